import { ParleyError } from "./errors.js";

/**
 * A constructor compatible with the browser's `WebSocket`: `new (url) => socket`. Browsers have
 * one globally; Node 20 does not, so pass the `ws` package's `WebSocket` there.
 */
export type WebSocketConstructor = new (url: string) => unknown;

/** Where the client gets its JWT: a fixed token, or a callback asked before every (re)connect that needs a fresh one. */
export type TokenSource = string | (() => string | Promise<string>);

export interface BackoffOptions {
  /** The ceiling of the first reconnect delay, in ms (default 250); each failed attempt doubles it. */
  initialMs?: number;
  /** The largest ceiling, in ms (default 30000); the delay is drawn uniformly below the ceiling (full jitter). */
  maxMs?: number;
}

export interface ParleyClientOptions {
  /** The WebSocket endpoint of any node, e.g. `wss://chat.example.com/v1/ws`; a path such as `/v1/ws` is resolved against `location` in a browser. */
  url: string;
  /**
   * The JWT, or a callback that supplies it. The callback is asked for the first connection, after
   * a `4003 token_expired` close, when the cached token is within `tokenRefreshMarginMs` of its
   * expiry, and for the in-band `refresh` sent that long before the expiry the node reported.
   * The token travels in the first frame, never in the URL (URLs end up in logs). A fixed string
   * cannot be renewed: the client then closes on `4003 token_expired` instead of reconnecting.
   */
  token: TokenSource;
  /** The WebSocket constructor (default: the global `WebSocket`; required in Node 20: pass `ws`). */
  webSocket?: WebSocketConstructor;
  /** How long `send`/`sendDirect` wait for the acknowledgement, reconnects included, in ms (default 10000). */
  sendTimeoutMs?: number;
  /** How long other requests (`join`, `leave`, `history`, `presence`) and each connection attempt may take, in ms (default 10000). */
  requestTimeoutMs?: number;
  /** Reconnect delays: exponential backoff with full jitter. */
  backoff?: BackoffOptions;
  /** How many requests (sends above all) may wait for a connection or an answer at once (default 1000); beyond it calls reject with `buffer_full`. */
  maxBufferedMessages?: number;
  /** How long before the token's expiry it is refreshed, in ms (default 60000); shorter-lived tokens are refreshed half-way through their remaining life. */
  tokenRefreshMarginMs?: number;
  /** Whether reconnects ask for the direct messages missed while disconnected (default true). */
  resumeInbox?: boolean;
  /** The last inbox sequence an earlier run saw (see `client.inboxSeq`); by default the inbox starts at its head at the first connect. */
  inboxSince?: number;
  /** `typing(room)` sends at most one signal per room per this many ms (default 2000): call it on every keystroke without spending the publish rate. */
  typingIntervalMs?: number;
}

/** The options with every default applied; read once, at construction. */
export interface ResolvedOptions {
  url: string;
  token: TokenSource;
  webSocket: WebSocketConstructor;
  sendTimeoutMs: number;
  requestTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  maxBufferedMessages: number;
  tokenRefreshMarginMs: number;
  resumeInbox: boolean;
  inboxSince: number | undefined;
  typingIntervalMs: number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) {
    throw new ParleyError("invalid_options", `${name} must be a positive number of milliseconds; it is ${String(value)}.`);
  }
  return v;
}

/** A URL relative to the page (`/v1/ws`) becomes absolute, with `ws:`/`wss:` following the page's scheme. */
export function resolveUrl(url: string): string {
  const location = (globalThis as { location?: { href: string } }).location;
  let absolute: URL;
  try {
    absolute = location ? new URL(url, location.href) : new URL(url);
  } catch {
    throw new ParleyError("invalid_options", `url must be an absolute ws: or wss: URL (or a path, in a browser page); it is ${url}.`);
  }
  if (absolute.protocol === "http:") absolute.protocol = "ws:";
  if (absolute.protocol === "https:") absolute.protocol = "wss:";
  if (absolute.protocol !== "ws:" && absolute.protocol !== "wss:") {
    throw new ParleyError("invalid_options", `url must be a ws:, wss:, http: or https: URL; it is ${url}.`);
  }
  return absolute.toString();
}

/** Applies the defaults and checks every option; throws ParleyError `invalid_options` naming the bad one. */
export function resolveOptions(options: ParleyClientOptions): ResolvedOptions {
  if (typeof options.url !== "string" || options.url.length === 0) {
    throw new ParleyError("invalid_options", "url is required.");
  }
  if (typeof options.token !== "string" && typeof options.token !== "function") {
    throw new ParleyError("invalid_options", "token must be a string or a function that returns one.");
  }
  const webSocket = options.webSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof webSocket !== "function") {
    throw new ParleyError("invalid_options", "No WebSocket constructor: pass options.webSocket (in Node 20, the 'ws' package's WebSocket).");
  }
  const backoffInitialMs = positive("backoff.initialMs", options.backoff?.initialMs, 250);
  const backoffMaxMs = positive("backoff.maxMs", options.backoff?.maxMs, 30_000);
  if (backoffMaxMs < backoffInitialMs) {
    throw new ParleyError("invalid_options", "backoff.maxMs must not be below backoff.initialMs.");
  }
  const inboxSince = options.inboxSince;
  if (inboxSince !== undefined && (!Number.isInteger(inboxSince) || inboxSince < 0)) {
    throw new ParleyError("invalid_options", "inboxSince must be a non-negative integer.");
  }
  return {
    url: resolveUrl(options.url),
    token: options.token,
    webSocket,
    sendTimeoutMs: positive("sendTimeoutMs", options.sendTimeoutMs, 10_000),
    requestTimeoutMs: positive("requestTimeoutMs", options.requestTimeoutMs, 10_000),
    backoffInitialMs,
    backoffMaxMs,
    maxBufferedMessages: positive("maxBufferedMessages", options.maxBufferedMessages, 1000),
    tokenRefreshMarginMs: positive("tokenRefreshMarginMs", options.tokenRefreshMarginMs, 60_000),
    resumeInbox: options.resumeInbox ?? true,
    inboxSince,
    typingIntervalMs: positive("typingIntervalMs", options.typingIntervalMs, 2000),
  };
}
