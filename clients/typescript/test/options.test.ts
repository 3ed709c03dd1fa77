import { afterEach, describe, expect, it } from "vitest";
import { resolveOptions, resolveUrl } from "../src/options.js";

const socket = class {} as unknown as new (url: string) => unknown;

describe("options", () => {
  afterEach(() => {
    delete (globalThis as { location?: unknown }).location;
  });

  it("resolves a path against the page, with the WebSocket scheme matching the page's", () => {
    (globalThis as { location?: unknown }).location = { href: "https://chat.example.com/app/#/chat" };
    expect(resolveUrl("/v1/ws")).toBe("wss://chat.example.com/v1/ws");
    (globalThis as { location?: unknown }).location = { href: "http://localhost:8080/" };
    expect(resolveUrl("/v1/ws")).toBe("ws://localhost:8080/v1/ws");
  });

  it("keeps an absolute ws: URL and refuses a path outside a browser", () => {
    expect(resolveUrl("ws://127.0.0.1:8080/v1/ws")).toBe("ws://127.0.0.1:8080/v1/ws");
    expect(() => resolveUrl("/v1/ws")).toThrow(expect.objectContaining({ code: "invalid_options" }));
    expect(() => resolveUrl("ftp://example.com/")).toThrow(expect.objectContaining({ code: "invalid_options" }));
  });

  it("applies the documented defaults", () => {
    const resolved = resolveOptions({ url: "ws://h/v1/ws", token: "t", webSocket: socket });
    expect(resolved).toMatchObject({
      sendTimeoutMs: 10_000,
      requestTimeoutMs: 10_000,
      backoffInitialMs: 250,
      backoffMaxMs: 30_000,
      maxBufferedMessages: 1000,
      tokenRefreshMarginMs: 60_000,
      resumeInbox: true,
      typingIntervalMs: 2000,
    });
  });

  it("names the option that is out of range", () => {
    expect(() => resolveOptions({ url: "ws://h/v1/ws", token: "t", webSocket: socket, sendTimeoutMs: 0 })).toThrow(/sendTimeoutMs/);
    expect(() => resolveOptions({ url: "ws://h/v1/ws", token: "t", webSocket: socket, backoff: { initialMs: 500, maxMs: 100 } })).toThrow(/backoff.maxMs/);
    expect(() => resolveOptions({ url: "ws://h/v1/ws", token: "t", webSocket: socket, inboxSince: -1 })).toThrow(/inboxSince/);
  });

  it("asks for a WebSocket constructor where there is no global one", () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = global.WebSocket;
    delete global.WebSocket;
    try {
      expect(() => resolveOptions({ url: "ws://h/v1/ws", token: "t" })).toThrow(/ws/);
    } finally {
      if (saved !== undefined) global.WebSocket = saved;
    }
  });
});
