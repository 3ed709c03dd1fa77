/**
 * The WebSocket close codes a Parley node uses (docs/protocol.md, "Close codes"). 4000–4499 mean
 * "reconnect and resume" (after refreshing the token for 4003), 4500–4999 "do not reconnect
 * automatically": the client stops in the `closed` state. A test checks this table against the
 * protocol's AsyncAPI document.
 */
export interface CloseCode {
  readonly code: number;
  readonly name: string;
  /** Whether the client reconnects by itself after this code. */
  readonly reconnect: boolean;
}

export const closeCodes: readonly CloseCode[] = [
  { code: 4000, name: "going_away", reconnect: true },
  { code: 4001, name: "slow_consumer", reconnect: true },
  { code: 4002, name: "idle_timeout", reconnect: true },
  { code: 4003, name: "token_expired", reconnect: true },
  { code: 4004, name: "connect_timeout", reconnect: true },
  { code: 4005, name: "server_error", reconnect: true },
  { code: 4500, name: "invalid_token", reconnect: false },
  { code: 4502, name: "tenant_disabled", reconnect: false },
  { code: 4503, name: "user_connection_limit", reconnect: false },
  { code: 4504, name: "tenant_connection_limit", reconnect: false },
  { code: 4505, name: "protocol_violation", reconnect: false },
  { code: 4506, name: "tenant_online_limit", reconnect: false },
];

/** The close code after which the client fetches a new token before reconnecting. */
export const TOKEN_EXPIRED_CLOSE = 4003;

/** The normal closure a client sends, and gets back, when it closes first. */
export const NORMAL_CLOSURE = 1000;

/**
 * Whether a close forbids reconnecting automatically: the range 4500–4999, as the protocol
 * defines it for codes this table does not list yet. Anything else (4000–4499, 1006 for a
 * dropped socket, 1001, 1011…) is a network or server event the client recovers from.
 */
export function isTerminalClose(code: number | undefined): boolean {
  return code !== undefined && code >= 4500 && code <= 4999;
}

/** The protocol name of a close code (`slow_consumer` for 4001), or undefined for codes Parley does not define. */
export function closeCodeName(code: number | undefined): string | undefined {
  return closeCodes.find((c) => c.code === code)?.name;
}
