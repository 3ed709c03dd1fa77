/**
 * The wire format (docs/protocol.md): one JSON object per WebSocket text message, with a string
 * `op`. Client frames are built by the encoders below; server frames are parsed into the union
 * `ServerFrame`. Field names stay as on the wire (snake_case) here and nowhere else.
 */

export type Rid = number;

export interface ConnectedFrame {
  op: "connected";
  conn: string;
  node: string;
  tenant: string;
  user: string;
  ping: number;
  expires?: string;
  inbox_head?: number;
}
export interface JoinedFrame { op: "joined"; rid?: Rid; room: string; head: number; resumed?: boolean; ephemeral?: boolean }
export interface LeftFrame { op: "left"; rid?: Rid; room: string; reason?: string }
/** An ephemeral room's ack has no `seq`: the message was accepted by the node, never stored. */
export interface AckFrame { op: "ack"; rid?: Rid; room?: string; to?: string; id: string; seq?: number; ts: string; duplicate?: boolean }
/** A message of an ephemeral room has no `seq`: it was never stored or numbered. */
export interface WireMessage { room?: string; to?: string; seq?: number; id: string; from: string; from_kind?: string; ts: string; body?: unknown }
export interface MsgFrame extends WireMessage { op: "msg" }
export interface SignalFrame { op: "signal"; room: string; from: string; body?: unknown }
export interface HistoryFrame { op: "history"; rid?: Rid; room?: string; head: number; first: number; messages: WireMessage[] }
export interface PresenceFrame { op: "presence"; rid?: Rid; room: string; users?: string[]; joined?: string[]; left?: string[] }
export interface PingFrame { op: "ping"; rid?: Rid }
export interface PongFrame { op: "pong"; rid?: Rid }
export interface RefreshedFrame { op: "refreshed"; rid?: Rid; expires: string }
export interface ReconnectFrame { op: "reconnect"; after_ms?: number; reason?: string }
export interface ErrorFrame { op: "error"; rid?: Rid; code: string; message?: string; room?: string }

export type ServerFrame =
  | ConnectedFrame | JoinedFrame | LeftFrame | AckFrame | MsgFrame | SignalFrame | HistoryFrame
  | PresenceFrame | PingFrame | PongFrame | RefreshedFrame | ReconnectFrame | ErrorFrame;

const knownOps = new Set<string>([
  "connected", "joined", "left", "ack", "msg", "signal", "history", "presence", "ping", "pong", "refreshed", "reconnect", "error",
]);

/**
 * Parses one server frame. Undefined for a frame that is not a JSON object with a known string
 * `op`: a newer node's new ops are ignored, not fatal. Throws SyntaxError for text that is not JSON.
 */
export function parseServerFrame(text: string): ServerFrame | undefined {
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return undefined;
  }
  const op = (value as { op?: unknown }).op;
  return typeof op === "string" && knownOps.has(op) ? (value as ServerFrame) : undefined;
}

/** The rid a reply echoes, when it is one of ours (the client only sends integer rids). */
export function replyRid(frame: ServerFrame): Rid | undefined {
  const rid = (frame as { rid?: unknown }).rid;
  return typeof rid === "number" ? rid : undefined;
}

export const encode = {
  connect(token: string, resume: Record<string, number>, inbox: number | undefined): string {
    const frame: Record<string, unknown> = { op: "connect", token };
    if (Object.keys(resume).length > 0) frame.resume = resume;
    if (inbox !== undefined) frame.inbox = inbox;
    return JSON.stringify(frame);
  },
  join(rid: Rid, room: string, since: number | undefined): string {
    return JSON.stringify(since === undefined ? { op: "join", rid, room } : { op: "join", rid, room, since });
  },
  leave(rid: Rid, room: string): string {
    return JSON.stringify({ op: "leave", rid, room });
  },
  /** `bodyJson` is the body already serialized, so that every re-send repeats it byte for byte. */
  send(rid: Rid, target: { room: string } | { to: string }, id: string, bodyJson: string): string {
    const head = JSON.stringify({ op: "send", rid, ...target, id });
    return `${head.slice(0, -1)},"body":${bodyJson}}`;
  },
  signal(room: string, body: unknown): string {
    return JSON.stringify({ op: "signal", room, body });
  },
  history(rid: Rid, target: { room: string } | { inbox: true }, page: { before?: number; after?: number; limit?: number }): string {
    return JSON.stringify({ op: "history", rid, ...target, ...page });
  },
  presence(rid: Rid, room: string): string {
    return JSON.stringify({ op: "presence", rid, room });
  },
  ping(rid: Rid): string {
    return JSON.stringify({ op: "ping", rid });
  },
  pong(): string {
    return '{"op":"pong"}';
  },
  refresh(rid: Rid, token: string): string {
    return JSON.stringify({ op: "refresh", rid, token });
  },
};
