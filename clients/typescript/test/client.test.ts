import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ParleyClient, type ConnectionStateEvent, type ParleyClientOptions, type ParleyMessage } from "../src/index.js";
import { connectedFrame, fakeWebSocket, msg, settle } from "./support/fakeSocket.js";

function setup(options: Partial<ParleyClientOptions> = {}) {
  const fake = fakeWebSocket();
  const client = new ParleyClient({ url: "ws://node.test/v1/ws", token: "tok-1", webSocket: fake.ctor, backoff: { initialMs: 1000, maxMs: 8000 }, ...options });
  const states: ConnectionStateEvent[] = [];
  const messages: ParleyMessage[] = [];
  client.on("state", (s) => states.push(s));
  client.on("message", (m) => messages.push(m));
  return { client, fake, states, messages };
}

/** Connects through the fake: the socket opens and the node answers `connected`. */
async function connect(t: ReturnType<typeof setup>, connected: Record<string, unknown> = {}) {
  const done = t.client.connect();
  await settle();
  t.fake.last().accept();
  t.fake.last().receive(connectedFrame(connected));
  await done;
}

/** Lets the reconnect wait run out and answers the next attempt. */
async function reconnect(t: ReturnType<typeof setup>, connected: Record<string, unknown> = {}) {
  const before = t.fake.sockets.length;
  // The first retry waits below backoff.initialMs (1000 ms here).
  await vi.advanceTimersByTimeAsync(1000);
  expect(t.fake.sockets.length).toBe(before + 1);
  t.fake.last().accept();
  t.fake.last().receive(connectedFrame(connected));
  await settle();
}

describe("ParleyClient", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends the token in the first connect frame and never in the URL", async () => {
    const t = setup({ token: () => "secret-token" });
    await connect(t);
    expect(t.fake.last().url).toBe("ws://node.test/v1/ws");
    expect(t.fake.last().sent[0]).toEqual({ op: "connect", token: "secret-token" });
    expect(t.client.user).toBe("u");
    expect(t.client.tenant).toBe("t");
    await t.client.close();
  });

  it("reports connecting then connected, and on a drop reconnecting with a jittered delay, connected and resumed", async () => {
    const t = setup();
    await connect(t);
    expect(t.states).toEqual([{ state: "connecting" }, { state: "connected" }]);
    t.fake.last().serverClose(1006);
    await settle();
    const reconnecting = t.states[2];
    expect(reconnecting).toMatchObject({ state: "reconnecting", attempt: 1, reason: "closed with 1006" });
    expect((reconnecting as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(0);
    expect((reconnecting as { delayMs: number }).delayMs).toBeLessThan(1000);
    await reconnect(t);
    expect(t.states.slice(3)).toEqual([{ state: "connected" }, { state: "resumed", caughtUp: 0 }]);
    expect(t.client.state).toBe("connected");
    await t.client.close();
  });

  it("delivers every message of an ephemeral room, keeps no position for it, requests no history and reports no gap", async () => {
    const t = setup();
    const errors: unknown[] = [];
    t.client.on("error", (e) => errors.push(e));
    await connect(t);
    const joined = t.client.join("cursor:board");
    t.fake.last().receive({ op: "joined", rid: t.fake.last().frames("join")[0]?.rid, room: "cursor:board", head: 0, resumed: true, ephemeral: true });
    await expect(joined).resolves.toEqual({ room: "cursor:board", seq: 0, resumed: true, ephemeral: true });
    for (const x of [1, 2, 3]) {
      t.fake.last().receive({ op: "msg", room: "cursor:board", id: `c-${x}`, from: "bob", ts: "2026-01-01T00:00:00.000Z", body: { x } });
    }
    await settle();
    expect(t.messages.map((m) => m.body)).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);
    expect(t.messages.every((m) => m.ephemeral === true && m.seq === 0)).toBe(true);
    expect(t.client.lastSeq("cursor:board")).toBe(0);
    expect(t.client.duplicatesDropped).toBe(0);
    expect(t.fake.last().frames("history")).toEqual([]);
    expect(errors).toEqual([]);

    const sent = t.client.send("cursor:board", { x: 4 });
    const frame = t.fake.last().frames("send")[0];
    t.fake.last().receive({ op: "ack", rid: frame?.rid, room: "cursor:board", id: frame?.id, ts: "2026-01-01T00:00:00.000Z" });
    await expect(sent).resolves.toMatchObject({ seq: 0, duplicate: false });
    await t.client.close();
  });

  it("resumes every joined room from its last delivered seq and the inbox from its position, and counts what was caught up", async () => {
    const t = setup();
    await connect(t, { inbox_head: 4 });
    const joined = t.client.join("general");
    t.fake.last().receive({ op: "joined", rid: t.fake.last().frames("join")[0]?.rid, room: "general", head: 10, resumed: true });
    await expect(joined).resolves.toEqual({ room: "general", seq: 10, resumed: true, ephemeral: false });
    t.fake.last().receive(msg("general", 11));
    t.fake.last().serverClose(4001, "slow_consumer");
    await settle();
    expect(t.states.at(-1)).toMatchObject({ state: "reconnecting", reason: "slow_consumer" });

    await vi.advanceTimersByTimeAsync(10_000);
    const socket = t.fake.last();
    socket.accept();
    expect(socket.sent[0]).toEqual({ op: "connect", token: "tok-1", resume: { general: 11 }, inbox: 4 });
    socket.receive(connectedFrame({ inbox_head: 5 }));
    socket.receive({ op: "joined", room: "general", head: 13, resumed: true });
    socket.receive(msg("general", 12));
    expect(t.states.at(-1)).toEqual({ state: "connected" });
    socket.receive(msg("general", 13));
    socket.receive({ op: "msg", to: "u", seq: 5, id: "d-5", from: "v", ts: "2026-01-01T00:00:00.000Z", body: "psst" });
    expect(t.states.at(-1)).toEqual({ state: "resumed", caughtUp: 3 });
    expect(t.messages.map((m) => `${m.room ?? "inbox"}:${m.seq}`)).toEqual(["general:11", "general:12", "general:13", "inbox:5"]);
    expect(t.messages.at(-1)).toMatchObject({ direct: true, to: "u", from: "v", body: "psst" });
    await t.client.close();
  });

  it("delivers each seq of a room once, dropping the duplicates a replay overlapping live traffic brings", async () => {
    const t = setup();
    await connect(t);
    const joined = t.client.join("r", { since: 0 });
    t.fake.last().receive({ op: "joined", rid: 1, room: "r", head: 3 });
    await joined;
    for (const seq of [1, 2, 2, 3, 1, 3, 4]) t.fake.last().receive(msg("r", seq));
    expect(t.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(t.client.duplicatesDropped).toBe(3);
    expect(t.client.lastSeq("r")).toBe(4);
    await t.client.close();
  });

  it("resolves send with the acknowledged seq", async () => {
    const t = setup();
    await connect(t);
    const sent = t.client.send("r", { text: "hi" }, { id: "m-1" });
    const frame = t.fake.last().frames("send")[0];
    expect(frame).toMatchObject({ room: "r", id: "m-1", body: { text: "hi" } });
    t.fake.last().receive({ op: "ack", rid: frame?.rid, room: "r", id: "m-1", seq: 58, ts: "2026-01-01T00:00:00.000Z" });
    await expect(sent).resolves.toEqual({ seq: 58, id: "m-1", at: "2026-01-01T00:00:00.000Z", duplicate: false });
    await t.client.close();
  });

  it("writes an unacknowledged send again with the same id and body after a reconnect", async () => {
    const t = setup();
    await connect(t);
    const sent = t.client.send("r", { text: "once" });
    const first = t.fake.last().frames("send")[0];
    t.fake.last().serverClose(1006);
    await settle();
    await reconnect(t);
    const again = t.fake.last().frames("send")[0];
    expect(again).toEqual(first);
    t.fake.last().receive({ op: "ack", rid: again?.rid, room: "r", id: again?.id, seq: 7, ts: "2026-01-01T00:00:00.000Z", duplicate: true });
    await expect(sent).resolves.toMatchObject({ seq: 7, id: first?.id, duplicate: true });
    await t.client.close();
  });

  it("queues a send made while reconnecting and writes it once connected", async () => {
    const t = setup();
    await connect(t);
    t.fake.last().serverClose(1006);
    await settle();
    const sent = t.client.send("r", 1);
    await reconnect(t);
    const frame = t.fake.last().frames("send")[0];
    expect(frame).toMatchObject({ room: "r", body: 1 });
    t.fake.last().receive({ op: "ack", rid: frame?.rid, room: "r", id: frame?.id, seq: 1, ts: "x" });
    await expect(sent).resolves.toMatchObject({ seq: 1 });
    await t.client.close();
  });

  it("rejects a send with timeout when no acknowledgement comes within sendTimeoutMs", async () => {
    const t = setup({ sendTimeoutMs: 3000 });
    await connect(t);
    const sent = t.client.send("r", "x").then(() => "acked", (e: { code: string }) => e.code);
    await vi.advanceTimersByTimeAsync(2999);
    t.fake.last().receive({ op: "ping" });
    await vi.advanceTimersByTimeAsync(1);
    await expect(sent).resolves.toBe("timeout");
    await t.client.close();
  });

  it("rejects a request with the node's error code", async () => {
    const t = setup();
    await connect(t);
    const joined = t.client.join("secret");
    t.fake.last().receive({ op: "error", rid: 1, code: "forbidden", message: "no" });
    await expect(joined).rejects.toMatchObject({ name: "ParleyError", code: "forbidden", message: "no" });
    await t.client.close();
  });

  it("closes for good on 4500 without reconnecting, and connect() rejects with the close code's name", async () => {
    const t = setup();
    const connecting = t.client.connect();
    await settle();
    t.fake.last().accept();
    t.fake.last().serverClose(4500, "invalid_token");
    await settle();
    await expect(connecting).rejects.toMatchObject({ code: "invalid_token", closeCode: 4500 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.fake.sockets.length).toBe(1);
    expect(t.client.state).toBe("closed");
    expect(t.states.at(-1)).toEqual({ state: "closed", code: 4500, reason: "invalid_token" });
  });

  it("stops after a terminal close of an established connection and fails what was pending", async () => {
    const t = setup();
    await connect(t);
    const sent = t.client.send("r", 1);
    t.fake.last().serverClose(4502, "tenant_disabled");
    await settle();
    await expect(sent).rejects.toMatchObject({ code: "closed", closeCode: 4502 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.fake.sockets.length).toBe(1);
    expect(t.states.at(-1)).toEqual({ state: "closed", code: 4502, reason: "tenant_disabled" });
  });

  it("asks the token callback for a new token after 4003 and connects with it", async () => {
    let n = 0;
    const t = setup({ token: () => `tok-${++n}` });
    await connect(t);
    t.fake.last().serverClose(4003, "token_expired");
    await settle();
    await reconnect(t);
    expect(t.fake.last().sent[0]).toMatchObject({ op: "connect", token: "tok-2" });
    await t.client.close();
  });

  it("closes on 4003 when given a fixed token, which it cannot renew", async () => {
    const t = setup({ token: "fixed" });
    await connect(t);
    t.fake.last().serverClose(4003, "token_expired");
    await settle();
    expect(t.states.at(-1)).toEqual({ state: "closed", code: 4003, reason: "token_expired" });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.fake.sockets.length).toBe(1);
  });

  it("marks a message from an API key, a user's as a user's, and an unknown kind as neither", async () => {
    const t = setup();
    await connect(t);
    t.fake.last().receive({ ...msg("r", 1), from: "ak-3f1363d7996b", from_kind: "api_key" });
    t.fake.last().receive(msg("r", 2));
    t.fake.last().receive({ ...msg("r", 3), from_kind: "robot" });
    expect(t.messages.map((m) => m.fromKind)).toEqual(["api_key", "user", undefined]);
    await t.client.close();
  });

  it("reuses the cached token on a reconnect that is not about the token", async () => {
    let n = 0;
    const t = setup({ token: () => `tok-${++n}` });
    await connect(t);
    t.fake.last().serverClose(1006);
    await settle();
    await reconnect(t);
    expect(t.fake.last().sent[0]).toMatchObject({ token: "tok-1" });
    await t.client.close();
  });

  it("refreshes the token in-band the margin before the expiry the node reported", async () => {
    let n = 0;
    const t = setup({ token: () => `tok-${++n}`, tokenRefreshMarginMs: 60_000 });
    // A long ping interval keeps the liveness check out of the way of the long waits below.
    await connect(t, { expires: new Date(Date.now() + 180_000).toISOString(), ping: 3600 });
    await vi.advanceTimersByTimeAsync(119_000);
    expect(t.fake.last().frames("refresh")).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    await settle();
    const refresh = t.fake.last().frames("refresh")[0];
    expect(refresh).toMatchObject({ token: "tok-2" });
    t.fake.last().receive({ op: "refreshed", rid: refresh?.rid, expires: new Date(Date.now() + 600_000).toISOString() });
    await vi.advanceTimersByTimeAsync(539_000);
    expect(t.fake.last().frames("refresh").length).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    await settle();
    expect(t.fake.last().frames("refresh").length).toBe(2);
    await t.client.close();
  });

  it("retries while the token callback fails, and connects once it answers", async () => {
    let fail = true;
    const t = setup({
      token: () => {
        if (fail) throw new Error("auth service down");
        return "tok-ok";
      },
    });
    const connecting = t.client.connect();
    await settle();
    expect(t.fake.sockets).toHaveLength(0);
    expect(t.states.at(-1)).toMatchObject({ state: "reconnecting", attempt: 1, reason: "token_unavailable" });
    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    await settle();
    t.fake.last().accept();
    expect(t.fake.last().sent[0]).toEqual({ op: "connect", token: "tok-ok" });
    t.fake.last().receive(connectedFrame());
    await expect(connecting).resolves.toBeUndefined();
    await t.client.close();
  });

  it("reports a refused in-band refresh as an error event and keeps the connection", async () => {
    const t = setup({ token: () => "tok", tokenRefreshMarginMs: 60_000 });
    const errors: Array<{ code: string }> = [];
    t.client.on("error", (e) => errors.push(e));
    await connect(t, { expires: new Date(Date.now() + 120_000).toISOString(), ping: 3600 });
    await vi.advanceTimersByTimeAsync(60_000);
    await settle();
    const refresh = t.fake.last().frames("refresh")[0];
    t.fake.last().receive({ op: "error", rid: refresh?.rid, code: "token_mismatch", message: "another user" });
    await settle();
    expect(errors).toMatchObject([{ code: "token_mismatch" }]);
    expect(t.client.state).toBe("connected");
    await t.client.close();
  });

  it("waits as long as the node's reconnect hint says before reconnecting", async () => {
    const t = setup();
    await connect(t);
    t.fake.last().receive({ op: "reconnect", after_ms: 1500, reason: "draining" });
    t.fake.last().serverClose(4000, "going_away");
    await settle();
    expect(t.states.at(-1)).toMatchObject({ state: "reconnecting", reason: "going_away", delayMs: 1500 });
    await vi.advanceTimersByTimeAsync(1499);
    expect(t.fake.sockets.length).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(t.fake.sockets.length).toBe(2);
    await t.client.close();
  });

  it("leaves a node that hinted but never closed once the hint's delay is over", async () => {
    const t = setup();
    await connect(t);
    t.fake.last().receive({ op: "reconnect", after_ms: 500, reason: "draining" });
    await vi.advanceTimersByTimeAsync(500);
    expect(t.states.at(-1)).toMatchObject({ state: "reconnecting", delayMs: 0 });
    await t.client.close();
  });

  it("waits at least the Retry-After of an upgrade refused with 503 (seen through ws's unexpected-response)", async () => {
    const fake = fakeWebSocket();
    let refuse = true;
    class Refusing extends fake.ctor {
      private listener: ((req: unknown, res: unknown) => void) | undefined;
      on(event: string, listener: (req: unknown, res: unknown) => void): this {
        if (event === "unexpected-response") this.listener = listener;
        return this;
      }
      terminate(): void {
        this.serverClose(1006);
      }
      refuse(): void {
        this.listener?.({}, { statusCode: 503, headers: { "retry-after": "3" } });
      }
    }
    const client = new ParleyClient({ url: "ws://node.test/v1/ws", token: "t", webSocket: Refusing, backoff: { initialMs: 100, maxMs: 100 } });
    const states: ConnectionStateEvent[] = [];
    client.on("state", (s) => states.push(s));
    client.connect().catch(() => {});
    await settle();
    if (refuse) (fake.last() as unknown as Refusing).refuse();
    refuse = false;
    await settle();
    const reconnecting = states.at(-1) as { state: string; delayMs: number; reason: string };
    expect(reconnecting).toMatchObject({ state: "reconnecting", reason: "server_busy" });
    expect(reconnecting.delayMs).toBeGreaterThanOrEqual(3000);
    expect(reconnecting.delayMs).toBeLessThan(3100);
    await client.close();
  });

  it("keeps growing the backoff while connections end as soon as they open, and resets it after a stable one", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    const t = setup({ backoff: { initialMs: 1000, maxMs: 60_000 } });
    await connect(t);
    const delays: number[] = [];
    t.client.on("state", (s) => {
      if (s.state === "reconnecting") delays.push(s.delayMs);
    });
    for (let i = 0; i < 3; i++) {
      t.fake.last().serverClose(4005, "server_error");
      await settle();
      await vi.advanceTimersByTimeAsync(delays.at(-1) ?? 0);
      t.fake.last().accept();
      t.fake.last().receive(connectedFrame({ ping: 3600 }));
      await settle();
    }
    await vi.advanceTimersByTimeAsync(10_000);
    t.fake.last().serverClose(4005, "server_error");
    await settle();
    expect(delays).toEqual([999, 1998, 3996, 999]);
    vi.restoreAllMocks();
    await t.client.close();
  });

  it("retries a first connection that fails, and resolves connect() when one succeeds", async () => {
    const t = setup();
    const connecting = t.client.connect();
    await settle();
    t.fake.last().serverClose(1006);
    await settle();
    expect(t.states.at(-1)).toMatchObject({ state: "reconnecting", attempt: 1 });
    await vi.advanceTimersByTimeAsync(10_000);
    t.fake.last().accept();
    t.fake.last().receive(connectedFrame());
    await expect(connecting).resolves.toBeUndefined();
    expect(t.states.map((s) => s.state)).toEqual(["connecting", "reconnecting", "connected"]);
    await t.client.close();
  });

  it("aborts a connection that has received nothing for two ping intervals", async () => {
    const t = setup();
    await connect(t, { ping: 10 });
    await vi.advanceTimersByTimeAsync(24_000);
    expect(t.client.state).toBe("connected");
    await vi.advanceTimersByTimeAsync(2_000);
    expect(t.states.at(-1)).toMatchObject({ state: "reconnecting" });
    await t.client.close();
  });

  it("answers the node's ping with pong", async () => {
    const t = setup();
    await connect(t);
    t.fake.last().receive({ op: "ping" });
    expect(t.fake.last().frames("pong")).toEqual([{ op: "pong" }]);
    await t.client.close();
  });

  it("reports typing and presence events and throttles its own typing signals", async () => {
    const t = setup({ typingIntervalMs: 2000 });
    await connect(t);
    const typing: unknown[] = [];
    const presence: unknown[] = [];
    t.client.on("typing", (e) => typing.push(e));
    t.client.on("presence", (e) => presence.push(e));
    t.fake.last().receive({ op: "signal", room: "r", from: "v", body: { typing: true } });
    t.fake.last().receive({ op: "presence", room: "r", joined: ["v"], left: ["w"] });
    expect(typing).toEqual([{ room: "r", user: "v" }]);
    expect(presence).toEqual([{ room: "r", user: "v", online: true }, { room: "r", user: "w", online: false }]);
    t.client.typing("r");
    t.client.typing("r");
    await vi.advanceTimersByTimeAsync(2000);
    t.client.typing("r");
    expect(t.fake.last().frames("signal")).toEqual([
      { op: "signal", room: "r", body: { typing: true } },
      { op: "signal", room: "r", body: { typing: true } },
    ]);
    await t.client.close();
  });

  it("pages history and says whether older messages remain", async () => {
    const t = setup();
    await connect(t);
    const page = t.client.history("r", { before: 40, limit: 2 });
    expect(t.fake.last().frames("history")[0]).toEqual({ op: "history", rid: 1, room: "r", before: 40, limit: 2 });
    t.fake.last().receive({ op: "history", rid: 1, room: "r", head: 58, first: 1, messages: [msg("r", 38), msg("r", 39)].map(({ op: _op, ...m }) => m) });
    const result = await page;
    expect(result.more).toBe(true);
    expect(result.messages.map((m) => m.seq)).toEqual([38, 39]);
    expect(t.messages).toEqual([]);
    await t.client.close();
  });

  it("rejects pending calls with closed when closed, and refuses calls before connect", async () => {
    const t = setup();
    await expect(t.client.join("r")).rejects.toMatchObject({ code: "not_connected" });
    await connect(t);
    const pending = t.client.join("r");
    await t.client.close();
    await expect(pending).rejects.toMatchObject({ code: "closed" });
    expect(t.states.at(-1)).toEqual({ state: "closed", code: 1000, reason: "closed by the client" });
    await expect(t.client.send("r", 1)).rejects.toMatchObject({ code: "closed" });
  });

  it("ignores an exception thrown by a handler", async () => {
    const t = setup();
    t.client.on("message", () => {
      throw new Error("handler bug");
    });
    await connect(t);
    t.fake.last().receive(msg("r", 1));
    t.fake.last().receive(msg("r", 2));
    expect(t.messages.map((m) => m.seq)).toEqual([1, 2]);
    await t.client.close();
  });
});
