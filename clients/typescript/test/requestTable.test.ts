import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ParleyError } from "../src/errors.js";
import { RequestTable } from "../src/requestTable.js";

describe("RequestTable", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("rejects a request with timeout once its time runs out, and not before", async () => {
    const table = new RequestTable(10);
    const { reply } = table.add((rid) => `frame ${rid}`, 1000, () => "answer");
    const outcome = reply.then(() => "resolved", (e: ParleyError) => e.code);
    await vi.advanceTimersByTimeAsync(999);
    expect(table.size).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(outcome).resolves.toBe("timeout");
    expect(table.size).toBe(0);
  });

  it("settles a request with its reply and forgets it", async () => {
    const table = new RequestTable(10);
    const { request, reply } = table.add((rid) => `frame ${rid}`, 1000, (frame) => frame.op);
    expect(table.complete(request.rid, { op: "pong" })).toBe(true);
    await expect(reply).resolves.toBe("pong");
    expect(table.complete(request.rid, { op: "pong" })).toBe(false);
  });

  it("keeps requests in the order they were made, with their frames unchanged", () => {
    const table = new RequestTable(10);
    table.add((rid) => `a${rid}`, 1000, () => undefined).reply.catch(() => {});
    table.add((rid) => `b${rid}`, 1000, () => undefined).reply.catch(() => {});
    expect(table.pending().map((r) => r.frame)).toEqual(["a1", "b2"]);
    table.failAll(new ParleyError("closed", "closed"));
  });

  it("refuses more requests than its capacity with buffer_full", async () => {
    const table = new RequestTable(1);
    table.add(() => "a", 1000, () => undefined).reply.catch(() => {});
    await expect(table.add(() => "b", 1000, () => undefined).reply).rejects.toMatchObject({ code: "buffer_full" });
    table.failAll(new ParleyError("closed", "closed"));
  });

  it("fails only the requests pinned to a connection that ended", async () => {
    const table = new RequestTable(10);
    const connection = {};
    const pinned = table.add(() => "refresh", 1000, () => undefined, connection).reply;
    const free = table.add(() => "send", 1000, () => undefined).reply;
    table.failPinnedTo(connection, new ParleyError("not_connected", "gone"));
    await expect(pinned).rejects.toMatchObject({ code: "not_connected" });
    expect(table.pending().map((r) => r.frame)).toEqual(["send"]);
    table.failAll(new ParleyError("closed", "closed"));
    await expect(free).rejects.toMatchObject({ code: "closed" });
  });
});
