import type { WireMessage } from "./frames.js";

/**
 * A durable message, from a room or from the user's direct-message inbox. Delivered once per
 * `seq` per stream (a room, or the inbox), in sequence order.
 */
export interface ParleyMessage {
  /** The room, for a room message; absent for a direct message. */
  room?: string;
  /** The recipient, for a direct message (this user, or the other user for one this user sent). */
  to?: string;
  /** The position in the room, or in this user's inbox for a direct message; 0 for a message of an ephemeral room. */
  seq: number;
  /** True for a message of an ephemeral room: never stored, not numbered, neither de-duplicated nor resumed. */
  ephemeral?: boolean;
  /** The sender's message id (its idempotency key). */
  id: string;
  /** The sender: a user id, or an API key id (`ak-…`) when `fromKind` is `"api_key"`. */
  from: string;
  /** `"api_key"` for a message a tenant's backend published with an API key, `"user"` for a user's; absent for a kind newer than this client. Trust it, not the shape of `from`. */
  fromKind?: "user" | "api_key";
  body: unknown;
  /** Server time of the commit, ISO 8601 UTC with milliseconds. */
  at: string;
  /** True for a direct message. */
  direct?: boolean;
}

/** Another member of a room is typing. */
export interface TypingEvent {
  room: string;
  user: string;
}

/** An ephemeral signal other than typing, as another member sent it. */
export interface SignalEvent {
  room: string;
  from: string;
  body: unknown;
}

/** A user became present in a room (`online: true`) or stopped being present in it. */
export interface PresenceEvent {
  room: string;
  user: string;
  online: boolean;
}

/** The result of `join`: the room and its head (the last sequence committed) when joined. */
export interface JoinResult {
  room: string;
  seq: number;
  /** False when messages after the requested `since` are no longer retained; the replay then started at the oldest retained one. */
  resumed: boolean;
  /** True when the room's policy is ephemeral: no sequence, history or resume; its messages come live only. */
  ephemeral: boolean;
}

/** One page of history, in ascending sequence order. */
export interface HistoryPage {
  messages: ParleyMessage[];
  /** Whether older messages are retained before this page (page on with `before` = the first message's seq). */
  more: boolean;
  /** The room's last sequence when the page was read. */
  head: number;
  /** The oldest retained sequence. */
  first: number;
}

/** The acknowledgement of a room send: the committed sequence (0 in an ephemeral room, where it means "accepted by the node"). */
export interface SendResult {
  seq: number;
  id: string;
  /** Server time of the commit. */
  at: string;
  /** True when an earlier attempt with this id had already been committed. */
  duplicate: boolean;
}

/** The acknowledgement of a direct send: `seq` is the message's position in this user's own inbox. */
export interface DirectSendResult {
  id: string;
  seq?: number;
  at?: string;
  duplicate?: boolean;
}

/** Converts a wire message to the SDK's shape; `direct` when it came from an inbox. */
export function toParleyMessage(wire: WireMessage): ParleyMessage {
  const message: ParleyMessage = {
    seq: wire.seq ?? 0,
    id: wire.id,
    from: wire.from,
    body: wire.body,
    at: wire.ts,
  };
  // A message without from_kind is a user's; a kind this version does not know is neither.
  if (wire.from_kind === undefined) message.fromKind = "user";
  else if (wire.from_kind === "api_key") message.fromKind = "api_key";
  if (wire.room !== undefined) {
    message.room = wire.room;
  } else {
    message.direct = true;
    if (wire.to !== undefined) message.to = wire.to;
  }
  return message;
}
