// What the chat page shows, as one immutable value the ChatStore replaces on every change.

import type { Timeline } from "./timeline";
import type { ReadMark } from "./unread";

export type ConversationKind = "room" | "direct";

export interface Conversation {
  /** "room:<name>" or "direct:<user>". */
  key: string;
  kind: ConversationKind;
  /** The room's name, or the other user's id. */
  name: string;
  timeline: Timeline;
  mark: ReadMark;
  /** Users present in the room (rooms only). */
  presence: readonly string[];
  /** Who is typing, with when their indicator lapses (ms since the epoch). */
  typing: Readonly<Record<string, number>>;
  /** Whether older messages may exist before the oldest one shown. */
  more: boolean;
  loadingOlder: boolean;
  /** Why the last join or history request failed, if it did. */
  error?: string;
}

export type Banner =
  | { kind: "none" }
  | { kind: "connecting" }
  | { kind: "reconnecting"; attempt: number; reason?: string }
  | { kind: "back"; caughtUp: number }
  | { kind: "closed"; code?: number; reason?: string };

export interface ChatView {
  me: string;
  tenant: string;
  banner: Banner;
  conversations: Readonly<Record<string, Conversation>>;
  /** Conversation keys in the order they were opened. */
  order: readonly string[];
  active?: string;
}

export const roomKey = (room: string) => `room:${room}`;
export const directKey = (user: string) => `direct:${user}`;

/** A message body as text: the app sends {"text": "..."}; anything else is shown as JSON. */
export function bodyText(body: unknown): string {
  if (body && typeof body === "object" && typeof (body as { text?: unknown }).text === "string") {
    return (body as { text: string }).text;
  }
  return typeof body === "string" ? body : JSON.stringify(body);
}
