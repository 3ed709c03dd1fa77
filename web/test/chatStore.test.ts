import { beforeEach, describe, expect, it, vi } from "vitest";

// A scripted stand-in for the SDK's client: the test raises its events and answers its calls.
type Handler = (value: never) => void;
class FakeClient {
  static last: FakeClient;
  handlers = new Map<string, Set<Handler>>();
  sent: Array<{ room?: string; to?: string; body: unknown; id: string }> = [];
  sendResult: () => Promise<{ seq: number; id: string; at: string; duplicate: boolean }> = () => Promise.reject(new Error("unset"));
  constructor() {
    FakeClient.last = this;
  }
  on(name: string, handler: Handler) {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }
  emit(name: string, value: unknown) {
    for (const h of this.handlers.get(name) ?? []) (h as (v: unknown) => void)(value);
  }
  connect() { return Promise.resolve(); }
  close() { return Promise.resolve(); }
  join(room: string) { return Promise.resolve({ room, seq: 10, resumed: true }); }
  leave() { return Promise.resolve(); }
  history() { return Promise.resolve({ messages: [], more: false, head: 10, first: 1 }); }
  directHistory() { return Promise.resolve({ messages: [], more: false, head: 0, first: 0 }); }
  presence() { return Promise.resolve(["me"]); }
  typing() {}
  send(room: string, body: unknown, opts: { id: string }) {
    this.sent.push({ room, body, id: opts.id });
    return this.sendResult();
  }
  sendDirect(to: string, body: unknown, opts: { id: string }) {
    this.sent.push({ to, body, id: opts.id });
    return Promise.resolve({ id: opts.id, seq: 3, at: "2026-01-01T00:00:00.000Z", duplicate: false });
  }
}

vi.mock("../src/sdk/parley", () => ({ ParleyClient: FakeClient, ParleyError: Error }));
const { ChatStore } = await import("../src/chat/chatStore");
const { entries } = await import("../src/chat/timeline");

const storage = new Map<string, string>();
beforeEach(() => {
  storage.clear();
  vi.stubGlobal("localStorage", {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => void storage.set(k, v),
  });
});

async function started() {
  const store = new ChatStore({ url: "ws://x/v1/ws", tenant: "acme", user: "me", token: () => Promise.resolve("t") });
  await store.start();
  return { store, client: FakeClient.last };
}

const msg = (room: string, seq: number, from: string) => ({ room, seq, id: `${from}-${seq}`, from, body: { text: `#${seq}` }, at: "2026-01-01T00:00:00.000Z" });

describe("the chat store", () => {
  it("counts unread messages of a room that is not open, and clears them when it is opened", async () => {
    const { store, client } = await started();
    await store.joinRoom("a");
    await store.joinRoom("b");
    client.emit("message", msg("a", 11, "bob"));
    client.emit("message", msg("a", 12, "bob"));
    client.emit("message", msg("a", 12, "bob"));
    client.emit("message", msg("b", 11, "bob"));
    expect(store.snapshot().conversations["room:a"]?.mark.unread).toBe(2);
    expect(store.snapshot().conversations["room:b"]?.mark.unread).toBe(0);
    store.open("room:a");
    expect(store.snapshot().conversations["room:a"]?.mark.unread).toBe(0);
  });

  it("remembers joined rooms per tenant and user, and joins them again on the next start", async () => {
    const first = await started();
    await first.store.joinRoom("general");
    await first.store.dispose();
    const { store } = await started();
    await vi.waitFor(() => expect(store.snapshot().active).toBe("room:general"), { timeout: 2000 });
  });

  it("shows a send as sending, then failed with the reason, and a retry under the same id as acknowledged", async () => {
    const { store, client } = await started();
    await store.joinRoom("general");
    let fail!: (e: unknown) => void;
    client.sendResult = () => new Promise((_, reject) => (fail = reject));
    const sending = store.send("room:general", "hi");
    const pending = () => entries(store.snapshot().conversations["room:general"]!.timeline).at(-1)!;
    expect(pending().delivery).toBe("sending");
    fail(Object.assign(new Error("slow down"), { code: "rate_limited" }));
    await sending;
    expect(pending()).toMatchObject({ delivery: "failed", error: "rate_limited" });

    client.sendResult = () => Promise.resolve({ seq: 11, id: client.sent[0]!.id, at: "2026-01-01T00:00:00.000Z", duplicate: false });
    await store.retry("room:general", pending().id);
    expect(client.sent.map((s) => s.id)).toEqual([client.sent[0]!.id, client.sent[0]!.id]);
    expect(pending()).toMatchObject({ delivery: "acked", seq: 11 });
  });

  it("files a direct message under the other user, whichever way it went", async () => {
    const { store, client } = await started();
    const bob = () => store.snapshot().conversations["direct:bob"]!;
    client.emit("message", { seq: 1, id: "x", from: "bob", to: "me", direct: true, body: { text: "hey" }, at: "2026-01-01T00:00:00.000Z" });
    expect(bob().mark.unread).toBe(1);
    // An answer from another of this user's devices: filed under bob too, and it reads what came before.
    client.emit("message", { seq: 2, id: "y", from: "me", to: "bob", direct: true, body: { text: "yo" }, at: "2026-01-01T00:00:00.000Z" });
    expect(entries(bob().timeline).map((e) => e.seq)).toEqual([1, 2]);
    expect(bob().mark.unread).toBe(0);
  });

  it("says reconnecting while the SDK retries, then how many messages it caught up", async () => {
    const { store, client } = await started();
    client.emit("state", { state: "connected" });
    expect(store.snapshot().banner).toEqual({ kind: "none" });
    client.emit("state", { state: "reconnecting", attempt: 2, delayMs: 100, reason: "closed" });
    expect(store.snapshot().banner).toMatchObject({ kind: "reconnecting", attempt: 2 });
    client.emit("state", { state: "connected" });
    client.emit("state", { state: "resumed", caughtUp: 3 });
    expect(store.snapshot().banner).toEqual({ kind: "back", caughtUp: 3 });
  });

  it("keeps a presence list from the snapshot and the events", async () => {
    const { store, client } = await started();
    await store.joinRoom("general");
    client.emit("presence", { room: "general", user: "bob", online: true });
    client.emit("presence", { room: "general", user: "carol", online: true });
    client.emit("presence", { room: "general", user: "bob", online: false });
    expect(store.snapshot().conversations["room:general"]?.presence).toEqual(["carol", "me"]);
  });
});
