/**
 * The client's state: `idle` before `connect()`, `connecting` during the first attempt,
 * `connected`, `reconnecting` between a drop and the next `connected` (also while the first
 * connection is retried), `closed` for good (after `close()` or a close code of 4500 and above).
 */
export type ConnectionStateName = "idle" | "connecting" | "connected" | "reconnecting" | "closed";

/**
 * What the `"state"` event reports. `reconnecting` is raised before each wait, with the attempt
 * number (1 for the first retry), the wait drawn and why the last connection ended; `resumed`
 * follows the `connected` of a reconnect once every resumed room and the inbox have replayed what
 * was missed, with the number of messages delivered meanwhile.
 */
export type ConnectionStateEvent =
  | { state: "connecting" }
  | { state: "connected" }
  | { state: "reconnecting"; attempt: number; delayMs: number; reason?: string }
  | { state: "resumed"; caughtUp: number }
  | { state: "closed"; code?: number; reason?: string };
