import { describe, expect, it } from "vitest";
import { countMessage, markRead, startAt, unseen } from "../src/chat/unread";

describe("unread counts", () => {
  it("count others' new messages while the conversation is not open", () => {
    let m = startAt(10);
    m = countMessage(m, 11, "bob", "me", false);
    m = countMessage(m, 12, "carol", "me", false);
    expect(m.unread).toBe(2);
  });

  it("never count a message twice when it is replayed", () => {
    let m = startAt(10);
    m = countMessage(m, 11, "bob", "me", false);
    m = countMessage(m, 11, "bob", "me", false);
    m = countMessage(m, 9, "bob", "me", false);
    expect(m.unread).toBe(1);
  });

  it("do not count messages up to the head seen at join", () => {
    const m = countMessage(startAt(10), 8, "bob", "me", false);
    expect(m.unread).toBe(0);
  });

  it("do not count the user's own messages, and treat them as read", () => {
    let m = countMessage(startAt(0), 1, "bob", "me", false);
    m = countMessage(m, 2, "me", "me", false);
    expect(m).toEqual({ read: 2, latest: 2, unread: 0 });
  });

  it("do not count messages arriving in the open conversation", () => {
    const m = countMessage(unseen, 1, "bob", "me", true);
    expect(m.unread).toBe(0);
    expect(m.read).toBe(1);
  });

  it("drop to zero when the conversation is opened", () => {
    let m = countMessage(startAt(3), 4, "bob", "me", false);
    m = markRead(m);
    expect(m).toEqual({ read: 4, latest: 4, unread: 0 });
    expect(markRead(m)).toBe(m);
  });
});
