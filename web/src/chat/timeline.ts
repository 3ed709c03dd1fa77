// One conversation's messages as the user sees them: the committed ones in sequence order, each
// once, followed by the user's own messages that are not acknowledged yet, in the order sent.
// Pure functions over immutable values, so the rules are tested without a browser.

export type Delivery = "sending" | "acked" | "failed";

export interface TimelineEntry {
  /** The client message id; with `from`, it identifies a message across retries and echoes. */
  id: string;
  from: string;
  body: unknown;
  /** Present once the message is committed: its sequence in the room or in the user's inbox. */
  seq?: number;
  at?: string;
  delivery: Delivery;
  /** Why the last attempt failed (an SDK or protocol error code). */
  error?: string;
}

export interface Timeline {
  /** Committed messages, ascending by seq, no seq twice. */
  committed: readonly TimelineEntry[];
  /** Own messages without a seq yet, in the order they were sent. */
  pending: readonly TimelineEntry[];
}

export interface IncomingMessage {
  seq: number;
  id: string;
  from: string;
  body: unknown;
  at?: string;
}

export const emptyTimeline: Timeline = { committed: [], pending: [] };

export function entries(t: Timeline): TimelineEntry[] {
  return [...t.committed, ...t.pending];
}

export function oldestSeq(t: Timeline): number | undefined {
  return t.committed[0]?.seq;
}

export function newestSeq(t: Timeline): number | undefined {
  return t.committed[t.committed.length - 1]?.seq;
}

/** Adds committed messages (live, replayed or a history page) in any order, dropping repeats. */
export function mergeCommitted(t: Timeline, incoming: readonly IncomingMessage[]): Timeline {
  if (incoming.length === 0) return t;
  const bySeq = new Map<number, TimelineEntry>();
  for (const e of t.committed) bySeq.set(e.seq as number, e);
  let changed = false;
  for (const m of incoming) {
    if (bySeq.has(m.seq)) continue;
    bySeq.set(m.seq, { id: m.id, from: m.from, body: m.body, seq: m.seq, at: m.at, delivery: "acked" });
    changed = true;
  }
  // A message of ours that arrives before its ack is committed: it leaves the pending list.
  const arrived = new Set(incoming.map((m) => key(m.from, m.id)));
  const pending = t.pending.filter((p) => !arrived.has(key(p.from, p.id)));
  if (!changed && pending.length === t.pending.length) return t;
  const committed = [...bySeq.values()].sort((a, b) => (a.seq as number) - (b.seq as number));
  return { committed, pending };
}

/** The user sent a message: it shows at once, as `sending`. */
export function addPending(t: Timeline, m: { id: string; from: string; body: unknown }): Timeline {
  if (t.pending.some((p) => p.id === m.id && p.from === m.from)) return t;
  return { ...t, pending: [...t.pending, { ...m, delivery: "sending" }] };
}

/** The node acknowledged a message with its sequence: it moves into the committed list, once. */
export function acknowledge(t: Timeline, from: string, id: string, seq: number, at?: string): Timeline {
  const p = t.pending.find((e) => e.id === id && e.from === from);
  if (!p) return t; // Already committed through its echo.
  const pending = t.pending.filter((e) => e !== p);
  if (t.committed.some((e) => e.seq === seq)) return { ...t, pending };
  const merged = mergeCommitted({ committed: t.committed, pending }, [{ seq, id, from, body: p.body, at }]);
  return merged;
}

/** The send failed: the message stays where it is, marked failed with the reason. */
export function fail(t: Timeline, from: string, id: string, error: string): Timeline {
  return mapPending(t, from, id, (e) => ({ ...e, delivery: "failed", error }));
}

/** The user retries a failed message (with the same id, so the node never stores it twice). */
export function retrying(t: Timeline, from: string, id: string): Timeline {
  return mapPending(t, from, id, (e) => ({ ...e, delivery: "sending", error: undefined }));
}

function mapPending(t: Timeline, from: string, id: string, f: (e: TimelineEntry) => TimelineEntry): Timeline {
  let hit = false;
  const pending = t.pending.map((e) => {
    if (e.id !== id || e.from !== from) return e;
    hit = true;
    return f(e);
  });
  return hit ? { ...t, pending } : t;
}

function key(from: string, id: string): string {
  return `${from}\u0000${id}`;
}
