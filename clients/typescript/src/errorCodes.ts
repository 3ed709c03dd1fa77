/**
 * The error codes a Parley node sends in `error` frames (docs/protocol.md, "Errors"). `retry` says
 * whether the same request may succeed if sent again unchanged (with the same message id, for a
 * send): the node refused for a passing reason, not because the request is wrong. An error never
 * closes the connection. A test checks this table against the protocol's AsyncAPI document.
 */
export interface ErrorCode {
  readonly code: string;
  /** Whether sending the same request again, later, may succeed. */
  readonly retry: boolean;
}

export const errorCodes: readonly ErrorCode[] = [
  { code: "bad_frame", retry: false },
  { code: "unknown_op", retry: false },
  { code: "frame_too_large", retry: false },
  { code: "already_connected", retry: false },
  { code: "invalid_room", retry: false },
  { code: "invalid_user", retry: false },
  { code: "invalid_id", retry: false },
  { code: "missing_body", retry: false },
  { code: "body_too_large", retry: false },
  { code: "forbidden", retry: false },
  { code: "not_joined", retry: false },
  { code: "room_limit", retry: false },
  { code: "rate_limited", retry: true },
  { code: "store_unavailable", retry: true },
  { code: "outcome_unknown", retry: true },
  { code: "id_conflict", retry: false },
  { code: "invalid_token", retry: false },
  { code: "token_expired", retry: false },
  { code: "token_mismatch", retry: false },
  { code: "internal", retry: true },
  { code: "overloaded", retry: true },
  { code: "backend_only", retry: false },
];

/** The codes the client raises itself; they never come from the node. */
export const clientErrorCodes = {
  /** No reply (for a send: no acknowledgement) within the request's timeout, reconnects included. The send may still be committed: send again with the same id to learn. */
  timeout: "timeout",
  /** The client is closed, by `close()` or by a close code that forbids reconnecting. */
  closed: "closed",
  /** A request that needs the connection was made before `connect()`. */
  notConnected: "not_connected",
  /** More requests wait for a connection than `maxBufferedMessages` allows. */
  bufferFull: "buffer_full",
  /** The upgrade was refused with HTTP 503 (seen in Node only; a browser cannot read the status). */
  serverBusy: "server_busy",
  /** The token callback threw or returned an empty token. */
  tokenUnavailable: "token_unavailable",
  /** The server answered a request with a frame of another kind. */
  unexpectedReply: "unexpected_reply",
  /** The connection could not be opened or dropped before `connected`. */
  connectFailed: "connect_failed",
  /** A method's argument is out of range (a negative since, a history limit above 500…); the message names it. */
  invalidArgument: "invalid_argument",
  /** An option given to the constructor is missing or out of range; the message names it. */
  invalidOptions: "invalid_options",
  /** Reported through the "error" event: an in-band token refresh failed; the node closes with 4003 at expiry if none succeeds, and the reconnect fetches a new token. */
  tokenRefreshFailed: "token_refresh_failed",
} as const;

/** Whether an error code names a passing refusal, after which the same request may succeed. */
export function isRetryableError(code: string): boolean {
  return errorCodes.find((c) => c.code === code)?.retry ?? false;
}
