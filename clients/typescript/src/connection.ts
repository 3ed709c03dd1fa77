import { closeCodeName } from "./closeCodes.js";
import { clientErrorCodes } from "./errorCodes.js";
import { ParleyError } from "./errors.js";
import { parseRetryAfter } from "./retryAfter.js";
import type { WebSocketConstructor } from "./options.js";

/** The part of the WebSocket API the client uses; the browser's WebSocket and Node's `ws` both have it. */
interface SocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drops the TCP connection at once. */
  terminate?: () => void;
  /** `ws` only: its EventEmitter, through which an HTTP refusal of the upgrade can be read. */
  on?: (event: string, listener: (...args: never[]) => void) => unknown;
}

const OPEN = 1;

/** How one connection ended. */
export interface ConnectionEnd {
  /** The WebSocket close code (1006 when the socket dropped without a close frame); undefined when the client aborted it. */
  code: number | undefined;
  reason: string;
  /** The HTTP status of a refused upgrade (Node with `ws` only: a browser cannot see it). */
  httpStatus?: number;
  /** The refusal's `Retry-After`, in ms. */
  retryAfterMs?: number;
}

/**
 * One WebSocket: opened at construction, ended once (by the server, the network, or `abort`), and
 * silent after its end, so a late event of a dead socket never reaches the client.
 */
export class Connection {
  readonly ended: Promise<ConnectionEnd>;
  /** When the last frame arrived (ms since the epoch): the liveness check reads it. */
  lastReceivedAt = Date.now();
  /** Set by a `reconnect` hint: the time (ms since the epoch) the server asked the client to come back at. */
  reconnectAt: number | undefined;
  private readonly socket: SocketLike;
  private finish!: (end: ConnectionEnd) => void;
  private done = false;
  private refusal: { status: number; retryAfterMs?: number } | undefined;

  constructor(
    webSocket: WebSocketConstructor,
    url: string,
    onOpen: () => void,
    onText: (text: string) => void,
  ) {
    this.ended = new Promise((resolve) => {
      this.finish = resolve;
    });
    this.socket = new webSocket(url) as SocketLike;
    this.listenForRefusal();
    this.socket.onopen = () => {
      if (!this.done) onOpen();
    };
    this.socket.onmessage = (event) => {
      if (this.done) return;
      this.lastReceivedAt = Date.now();
      if (typeof event.data === "string") {
        onText(event.data);
      } else {
        // Parley sends text frames only; anything else is a broken peer or proxy.
        this.abort("the server sent a binary frame");
      }
    };
    this.socket.onclose = (event) => {
      this.end({ code: event.code ?? 1006, reason: event.reason ?? "" });
    };
    // An error is always followed by a close event, which carries what can be known.
    this.socket.onerror = () => {};
  }

  get isOpen(): boolean {
    return !this.done && this.socket.readyState === OPEN;
  }

  /** Writes a frame; false when the socket is not open (the caller keeps the request for the next connection). */
  send(text: string): boolean {
    if (!this.isOpen) return false;
    try {
      this.socket.send(text);
      return true;
    } catch {
      this.abort("the socket refused a write");
      return false;
    }
  }

  /** Closes with a close handshake; the connection counts as ended at once. */
  close(code: number, reason: string): void {
    this.end({ code, reason });
    try {
      this.socket.close(code, reason);
    } catch {
      // Closing a socket that is still connecting or already closed may throw; it is ending either way.
    }
  }

  /** Drops the connection without waiting for the server: a dead network must not delay the reconnect. */
  abort(reason: string): void {
    this.end({ code: undefined, reason });
    try {
      if (this.socket.terminate) this.socket.terminate();
      else this.socket.close(1000, reason.slice(0, 100));
    } catch {
      // Already closed.
    }
  }

  private end(end: ConnectionEnd): void {
    if (this.done) return;
    this.done = true;
    if (this.refusal) {
      end.httpStatus = this.refusal.status;
      if (this.refusal.retryAfterMs !== undefined) end.retryAfterMs = this.refusal.retryAfterMs;
    }
    this.finish(end);
  }

  /**
   * In Node, `ws` reports an upgrade answered with an HTTP status (503 with `Retry-After` from a
   * node that sheds load) through `unexpected-response`. A browser exposes nothing of the kind:
   * there the refusal is an ordinary failed attempt, followed by the usual backoff.
   */
  private listenForRefusal(): void {
    const on = this.socket.on;
    if (typeof on !== "function") return;
    on.call(this.socket, "unexpected-response", ((_request: unknown, response: { statusCode?: number; headers?: Record<string, string | string[] | undefined> }) => {
      const refusal: { status: number; retryAfterMs?: number } = { status: response.statusCode ?? 0 };
      const retryAfterMs = parseRetryAfter(response.headers?.["retry-after"], Date.now());
      if (retryAfterMs !== undefined) refusal.retryAfterMs = retryAfterMs;
      this.refusal = refusal;
      this.socket.terminate?.();
    }) as (...args: never[]) => void);
  }
}

/** Why a connection attempt ended before `connected`. */
export function connectError(end: ConnectionEnd): ParleyError {
  if (end.httpStatus === 503) {
    const details = end.retryAfterMs === undefined ? {} : { retryAfterMs: end.retryAfterMs };
    return new ParleyError(clientErrorCodes.serverBusy, `The node refused the upgrade with HTTP 503 (retry after ${end.retryAfterMs ?? "?"} ms).`, details);
  }
  if (end.httpStatus !== undefined) {
    return new ParleyError(clientErrorCodes.connectFailed, `The node refused the upgrade with HTTP ${end.httpStatus}.`);
  }
  const name = closeCodeName(end.code);
  if (name !== undefined && end.code !== undefined) {
    return new ParleyError(name, `The node closed the connection with ${end.code} (${end.reason || name}).`, { closeCode: end.code });
  }
  const details = end.code === undefined ? {} : { closeCode: end.code };
  return new ParleyError(clientErrorCodes.connectFailed, `The connection ended before 'connected' (${end.code ?? "aborted"} ${end.reason}).`.trim(), details);
}
