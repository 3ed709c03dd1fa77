import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { ParleyClient, type ConnectionStateEvent, type ParleyClientOptions, type ParleyMessage } from "../src/index.js";
import { instrumentedWebSocket } from "./support/instrumentedSocket.js";
import { eventually, ParleyNode } from "./support/parleyNode.js";

let node: ParleyNode;
let publisher: string;
const clients: ParleyClient[] = [];

beforeAll(async () => {
  node = await ParleyNode.start();
  publisher = await node.token("backend", { scopes: "publish,read" });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await node?.dispose();
});

interface Recorded {
  client: ParleyClient;
  messages: ParleyMessage[];
  states: ConnectionStateEvent[];
}

function newClient(options: Partial<ParleyClientOptions> & Pick<ParleyClientOptions, "token">): Recorded {
  const client = new ParleyClient({
    url: node.wsUrl,
    webSocket: WebSocket,
    backoff: { initialMs: 50, maxMs: 500 },
    ...options,
  });
  clients.push(client);
  const recorded: Recorded = { client, messages: [], states: [] };
  client.on("message", (m) => recorded.messages.push(m));
  client.on("state", (s) => recorded.states.push(s));
  return recorded;
}

const bodies = (messages: ParleyMessage[], room: string) => messages.filter((m) => m.room === room).map((m) => (m.body as { n: number }).n);
const seqs = (messages: ParleyMessage[], room: string) => messages.filter((m) => m.room === room).map((m) => m.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("ParleyClient against a real node", () => {
  it("carries messages, direct messages, typing and presence between two clients", async () => {
    const alice = newClient({ token: await node.token("alice") });
    const bob = newClient({ token: () => node.token("bob") });
    await Promise.all([alice.client.connect(), bob.client.connect()]);
    expect(alice.client.user).toBe("alice");
    expect(alice.client.tenant).toBe("t");
    await bob.client.join("lobby");
    await alice.client.join("lobby");
    const typing: unknown[] = [];
    bob.client.on("typing", (e) => typing.push(e));

    const ack = await alice.client.send("lobby", { text: "hi" });
    await eventually(() => bob.messages.some((m) => m.id === ack.id), "bob to receive alice's message");
    expect(bob.messages.find((m) => m.id === ack.id)).toMatchObject({ room: "lobby", seq: ack.seq, from: "alice", fromKind: "user", body: { text: "hi" } });

    const direct = await alice.client.sendDirect("bob", { text: "psst" });
    await eventually(() => bob.messages.some((m) => m.id === direct.id), "bob to receive alice's direct message");
    expect(bob.messages.find((m) => m.id === direct.id)).toMatchObject({ direct: true, to: "bob", from: "alice", body: { text: "psst" } });

    alice.client.typing("lobby");
    await eventually(() => typing.length > 0, "bob to see alice typing");
    expect(typing[0]).toEqual({ room: "lobby", user: "alice" });
    expect((await alice.client.presence("lobby")).sort()).toEqual(["alice", "bob"]);

    const page = await bob.client.history("lobby", { limit: 10 });
    expect(page.messages.map((m) => m.id)).toContain(ack.id);
    expect(page.more).toBe(false);
  });

  it("resumes after its socket is killed mid-stream: messages published meanwhile arrive exactly once, in order", async () => {
    const sockets = await instrumentedWebSocket();
    const reader = newClient({ token: await node.token("reader"), webSocket: sockets.ctor });
    let deliveredBeforeDrop: number | undefined;
    reader.client.on("state", (s) => {
      if (s.state === "reconnecting") deliveredBeforeDrop ??= bodies(reader.messages, "stream").length;
    });
    await reader.client.connect();
    await reader.client.join("stream");

    // A steady stream over HTTP; the socket dies as message 5 arrives, and reconnects stay refused until the stream is over.
    reader.client.on("message", (m) => {
      if (m.room === "stream" && m.seq === 5) {
        sockets.blocked = true;
        sockets.last().terminate();
      }
    });
    for (const n of range(1, 30)) await node.publish(publisher, "stream", `s-${n}`, { n });
    sockets.blocked = false;

    await eventually(() => bodies(reader.messages, "stream").length >= 30, "every message of the stream");
    expect(bodies(reader.messages, "stream")).toEqual(range(1, 30));
    expect(seqs(reader.messages, "stream")).toEqual(range(1, 30));
    await eventually(() => reader.states.some((s) => s.state === "resumed"), "the resumed event");
    expect(deliveredBeforeDrop).toBeLessThan(30);
    expect(reader.states.find((s) => s.state === "resumed")).toEqual({ state: "resumed", caughtUp: 30 - (deliveredBeforeDrop ?? 0) });
  });

  it("writes a send whose acknowledgement was lost again with the same id after a reconnect, and gets its one seq", async () => {
    const sockets = await instrumentedWebSocket();
    const sender = newClient({ token: await node.token("sender"), webSocket: sockets.ctor });
    const observer = newClient({ token: await node.token("observer") });
    await Promise.all([sender.client.connect(), observer.client.connect()]);
    await observer.client.join("acks");

    sockets.last().deaf = true;
    const sent = sender.client.send("acks", { n: 1 }, { id: "lost-ack-1" });
    await eventually(() => observer.messages.some((m) => m.id === "lost-ack-1"), "the node to commit the send");
    sockets.last().terminate();

    const ack = await sent;
    expect(ack).toMatchObject({ id: "lost-ack-1", duplicate: true });
    expect(ack.seq).toBe(observer.messages.find((m) => m.id === "lost-ack-1")?.seq);
    const page = await observer.client.history("acks");
    expect(page.messages.filter((m) => m.id === "lost-ack-1")).toHaveLength(1);
  });

  it("closes without reconnecting when the node refuses a forged token with 4500", async () => {
    const real = await node.token("mallory");
    const [head, payload, signature = ""] = real.split(".");
    const flipped = signature[5] === "A" ? "B" : "A";
    const forged = `${head}.${payload}.${signature.slice(0, 5)}${flipped}${signature.slice(6)}`;
    const sockets = await instrumentedWebSocket();
    const mallory = newClient({ token: forged, webSocket: sockets.ctor });

    await expect(mallory.client.connect()).rejects.toMatchObject({ code: "invalid_token", closeCode: 4500 });
    expect(mallory.client.state).toBe("closed");
    expect(mallory.states.at(-1)).toMatchObject({ state: "closed", code: 4500 });
    expect(sockets.sockets).toHaveLength(1);
  });

  it("fetches a new token and reconnects when the node closes with 4003 at the token's expiry", async () => {
    const shortLived = await node.token("sleepy", { ttl: "3s" });
    let expired = false;
    let fetchedAfterExpiry = 0;
    // Until the 4003, every in-band refresh is offered the same short token, so the connection does reach its deadline.
    const sleepy = newClient({
      token: async () => {
        if (!expired) return shortLived;
        fetchedAfterExpiry++;
        return node.token("sleepy");
      },
    });
    sleepy.client.on("state", (s) => {
      if (s.state === "reconnecting" && s.reason === "token_expired") expired = true;
    });
    await sleepy.client.connect();
    await sleepy.client.join("naps");

    await eventually(() => expired, "the 4003 close at the token's deadline", 30_000);
    await eventually(() => sleepy.client.state === "connected", "the reconnect with a new token");
    expect(fetchedAfterExpiry).toBe(1);
    await node.publish(publisher, "naps", "nap-1", { n: 1 });
    await eventually(() => bodies(sleepy.messages, "naps").includes(1), "a message on the new connection");
  });

  it("refreshes a short-lived token in-band before it expires, without reconnecting", async () => {
    const minted: string[] = [];
    const fresh = newClient({
      token: async () => {
        const token = await node.token("fresh", { ttl: "6s" });
        minted.push(token);
        return token;
      },
      // Refresh 5 s before the deadline (exp + 1 s): minting a token may take seconds on a loaded machine.
      tokenRefreshMarginMs: 5000,
    });
    const errors: unknown[] = [];
    fresh.client.on("error", (e) => errors.push(e));
    await fresh.client.connect();

    // The node closes with 4003 at exp + Auth:ClockSkew (1 s here) unless a refresh moved the deadline.
    const firstExp = (JSON.parse(Buffer.from(minted[0]?.split(".")[1] ?? "", "base64url").toString()) as { exp: number }).exp;
    const firstDeadline = (firstExp + 1) * 1000;
    await eventually(() => minted.length >= 3 && Date.now() > firstDeadline + 1000, "two refreshes and the first token's deadline to pass", 30_000);
    await fresh.client.ping();
    expect(fresh.states.map((s) => s.state)).toEqual(["connecting", "connected"]);
    expect(errors).toEqual([]);
  });

  it("resumes after the node restarts on the same port and data: nothing committed is lost and a send made while it was down is committed once", async () => {
    const sockets = await instrumentedWebSocket();
    const user = newClient({ token: await node.token("patient"), webSocket: sockets.ctor, sendTimeoutMs: 60_000 });
    await user.client.connect();
    await user.client.join("durable");
    for (const n of range(1, 3)) await node.publish(publisher, "durable", `d-${n}`, { n });
    await eventually(() => bodies(user.messages, "durable").length === 3, "the messages before the restart");

    sockets.blocked = true;
    await node.stop();
    await eventually(() => user.client.state === "reconnecting", "the client to see the node go");
    const sent = user.client.send("durable", { n: 6 }, { id: "while-down" });
    await node.begin();
    for (const n of range(4, 5)) await node.publish(publisher, "durable", `d-${n}`, { n });
    sockets.blocked = false;

    const ack = await sent;
    expect(ack.seq).toBe(6);
    await eventually(() => bodies(user.messages, "durable").length >= 6, "every message after the restart");
    expect(bodies(user.messages, "durable")).toEqual(range(1, 6));
    expect(seqs(user.messages, "durable")).toEqual(range(1, 6));
    const page = await user.client.history("durable");
    expect(page.messages.map((m) => m.id)).toEqual(["d-1", "d-2", "d-3", "d-4", "d-5", "while-down"]);
  });
});
