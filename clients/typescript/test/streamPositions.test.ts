import { describe, expect, it } from "vitest";
import { StreamPositions } from "../src/streamPositions.js";

describe("StreamPositions", () => {
  it("accepts each room sequence once and drops any at or below the last delivered", () => {
    const positions = new StreamPositions();
    expect([1, 2, 2, 1, 3].map((seq) => positions.tryAdvanceRoom("r", seq))).toEqual([true, true, false, false, true]);
    expect(positions.room("r")).toBe(3);
  });

  it("keeps rooms and the inbox apart", () => {
    const positions = new StreamPositions();
    expect(positions.tryAdvanceRoom("r", 5)).toBe(true);
    expect(positions.tryAdvanceInbox(5)).toBe(true);
    expect(positions.tryAdvanceInbox(5)).toBe(false);
    expect(positions.tryAdvanceRoom("other", 5)).toBe(true);
  });

  it("resumes a live-only join from the head it was joined at", () => {
    const positions = new StreamPositions();
    positions.joinedRoom("r", 41, true);
    expect(positions.resumeMap()).toEqual({ r: 41 });
  });

  it("resumes a join with since from since, even below what was delivered", () => {
    const positions = new StreamPositions();
    positions.tryAdvanceRoom("r", 30);
    positions.startRoomAt("r", 10);
    positions.joinedRoom("r", 50, false);
    expect(positions.resumeMap()).toEqual({ r: 10 });
  });

  it("stops resuming a room that was left but remembers its position", () => {
    const positions = new StreamPositions();
    positions.joinedRoom("r", 7, true);
    positions.leftRoom("r");
    expect(positions.resumeMap()).toEqual({});
    expect(positions.room("r")).toBe(7);
  });

  it("starts the inbox at the head unless a later position is known", () => {
    const positions = new StreamPositions(12);
    positions.inboxAtLeast(9);
    expect(positions.inbox).toBe(12);
    positions.inboxAtLeast(20);
    expect(positions.inbox).toBe(20);
  });
});
