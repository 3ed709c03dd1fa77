import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { ParleyClient, type ConnectionStateEvent } from "../src/index.js";
import { ParleyNode } from "./support/parleyNode.js";

let node: ParleyNode;
const clients: ParleyClient[] = [];

beforeAll(async () => {
  // One upgrade admitted at once, then one per second: the second client in a row is refused with 503.
  node = await ParleyNode.start({ Parley__Limits__NewConnectionsPerSecond: "1", Parley__Limits__NewConnectionsBurst: "1" });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await node?.dispose();
});

describe("ParleyClient against a node that sheds new connections", () => {
  it("waits at least the Retry-After of a 503 upgrade refusal in Node, then connects", async () => {
    const token = await node.token("crowd");
    const states: ConnectionStateEvent[][] = [];
    for (let i = 0; i < 3; i++) {
      const client = new ParleyClient({ url: node.wsUrl, token, webSocket: WebSocket, backoff: { initialMs: 50, maxMs: 50 } });
      const seen: ConnectionStateEvent[] = [];
      client.on("state", (s) => seen.push(s));
      clients.push(client);
      states.push(seen);
    }

    // Three upgrades at once against one admitted per second: at least two are refused first.
    await Promise.all(clients.map((c) => c.connect()));

    const refusals = states.flat().filter((s): s is Extract<ConnectionStateEvent, { state: "reconnecting" }> => s.state === "reconnecting" && s.reason === "server_busy");
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    for (const refusal of refusals) expect(refusal.delayMs).toBeGreaterThanOrEqual(1000);
    expect(clients.map((c) => c.state)).toEqual(["connected", "connected", "connected"]);
  });
});
