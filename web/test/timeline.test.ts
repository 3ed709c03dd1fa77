import { describe, expect, it } from "vitest";
import { acknowledge, addPending, emptyTimeline, entries, fail, mergeCommitted, oldestSeq, retrying } from "../src/chat/timeline";

const msg = (seq: number, from = "bob", id = `m${seq}`) => ({ seq, id, from, body: { text: `#${seq}` } });
const seqs = (t: ReturnType<typeof mergeCommitted>) => entries(t).map((e) => e.seq);

describe("a conversation's timeline", () => {
  it("lists committed messages in sequence order whatever order they arrive in", () => {
    const t = mergeCommitted(emptyTimeline, [msg(3), msg(1), msg(2)]);
    expect(seqs(t)).toEqual([1, 2, 3]);
  });

  it("keeps each sequence once when a replay or a history page repeats it", () => {
    let t = mergeCommitted(emptyTimeline, [msg(4), msg(5)]);
    t = mergeCommitted(t, [msg(1), msg(2), msg(3), msg(4)]);
    t = mergeCommitted(t, [msg(5), msg(6)]);
    expect(seqs(t)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(oldestSeq(t)).toBe(1);
  });

  it("returns the same value when nothing new arrived", () => {
    const t = mergeCommitted(emptyTimeline, [msg(1)]);
    expect(mergeCommitted(t, [msg(1)])).toBe(t);
  });

  it("shows an own message as sending after the committed ones, then acknowledged at its sequence", () => {
    let t = mergeCommitted(emptyTimeline, [msg(1)]);
    t = addPending(t, { id: "a", from: "me", body: { text: "hi" } });
    t = mergeCommitted(t, [msg(2)]);
    expect(entries(t).map((e) => [e.seq, e.delivery])).toEqual([[1, "acked"], [2, "acked"], [undefined, "sending"]]);
    t = acknowledge(t, "me", "a", 3);
    expect(entries(t).map((e) => [e.seq, e.id, e.delivery])).toEqual([[1, "m1", "acked"], [2, "m2", "acked"], [3, "a", "acked"]]);
    expect(t.pending).toEqual([]);
  });

  it("shows an own message once when its echo arrives before its ack", () => {
    let t = addPending(emptyTimeline, { id: "a", from: "me", body: { text: "hi" } });
    t = mergeCommitted(t, [msg(7, "me", "a")]);
    t = acknowledge(t, "me", "a", 7);
    expect(entries(t).map((e) => [e.seq, e.id])).toEqual([[7, "a"]]);
  });

  it("shows an own message once when its ack arrives before its echo", () => {
    let t = addPending(emptyTimeline, { id: "a", from: "me", body: { text: "hi" } });
    t = acknowledge(t, "me", "a", 7);
    t = mergeCommitted(t, [msg(7, "me", "a")]);
    expect(entries(t).map((e) => [e.seq, e.id])).toEqual([[7, "a"]]);
  });

  it("marks a failed send with its reason and lets it be retried under the same id", () => {
    let t = addPending(emptyTimeline, { id: "a", from: "me", body: { text: "hi" } });
    t = fail(t, "me", "a", "rate_limited");
    expect(t.pending[0]).toMatchObject({ id: "a", delivery: "failed", error: "rate_limited" });
    t = retrying(t, "me", "a");
    expect(t.pending[0]).toMatchObject({ id: "a", delivery: "sending", error: undefined });
    t = acknowledge(t, "me", "a", 1);
    expect(entries(t).map((e) => [e.seq, e.delivery])).toEqual([[1, "acked"]]);
  });

  it("keeps pending messages in the order they were sent", () => {
    let t = addPending(emptyTimeline, { id: "a", from: "me", body: 1 });
    t = addPending(t, { id: "b", from: "me", body: 2 });
    t = addPending(t, { id: "a", from: "me", body: 1 });
    expect(t.pending.map((e) => e.id)).toEqual(["a", "b"]);
    t = acknowledge(t, "me", "b", 2);
    expect(entries(t).map((e) => e.id)).toEqual(["b", "a"]);
  });
});
