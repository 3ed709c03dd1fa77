/**
 * What every promise of the client rejects with, and what the `"error"` event carries. `code` is
 * a protocol error code (`rate_limited`, `forbidden`…, see errorCodes.ts) or one the client raises
 * itself (`timeout`, `closed`, `not_connected`, `buffer_full`…).
 */
export class ParleyError extends Error {
  /** A protocol or client error code, stable across versions: branch on it, not on the message. */
  readonly code: string;
  /** The WebSocket close code behind the error, when a close caused it. */
  readonly closeCode: number | undefined;
  /** How long the server asked to wait before connecting again (HTTP 503 `Retry-After`), when it said. */
  readonly retryAfterMs: number | undefined;
  /** The room the error is about, when it is about one (a room the server left on the client's behalf). */
  readonly room: string | undefined;

  constructor(code: string, message: string, details: { closeCode?: number; retryAfterMs?: number; room?: string } = {}) {
    super(message);
    this.name = "ParleyError";
    this.code = code;
    this.closeCode = details.closeCode;
    this.retryAfterMs = details.retryAfterMs;
    this.room = details.room;
  }
}
