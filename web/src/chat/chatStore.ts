// Joins the SDK's events to the chat page's state. The store owns one ParleyClient; React reads the
// current ChatView through useSyncExternalStore and calls the actions below.

import { ParleyClient, type ConnectionStateEvent, type ParleyMessage } from "../sdk/parley";
import { directKey, roomKey, type Banner, type ChatView, type Conversation } from "./conversation";
import { acknowledge, addPending, emptyTimeline, fail, mergeCommitted, oldestSeq, retrying } from "./timeline";
import { countMessage, markRead, startAt, unseen } from "./unread";

/** How long a typing indicator lasts after the last signal. */
export const typingShownMs = 4000;
/** Messages fetched per history page. */
export const historyPage = 50;
/** Direct messages loaded at start, across every conversation (one inbox page). */
export const inboxPage = 100;
/** How long the "back" banner stays after a reconnect. */
export const backShownMs = 5000;

export interface ChatStoreOptions {
  url: string;
  tenant: string;
  user: string;
  token: () => Promise<string>;
}

export class ChatStore {
  private view: ChatView;
  private readonly listeners = new Set<() => void>();
  private readonly client: ParleyClient;
  private readonly off: Array<() => void> = [];
  private timers: ReturnType<typeof setTimeout>[] = [];
  private everConnected = false;
  private disposed = false;

  constructor(private readonly options: ChatStoreOptions) {
    this.view = { me: options.user, tenant: options.tenant, banner: { kind: "connecting" }, conversations: {}, order: [] };
    this.client = new ParleyClient({ url: options.url, token: options.token });
    this.off.push(
      this.client.on("message", (m) => this.onMessage(m)),
      this.client.on("state", (s) => this.onState(s)),
      this.client.on("typing", (e) => this.onTyping(e.room, e.user)),
      this.client.on("presence", (e) => this.onPresence(e as PresenceEvent)),
    );
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly snapshot = (): ChatView => this.view;

  async start(): Promise<void> {
    try {
      await this.client.connect();
    } catch (e) {
      this.set({ banner: { kind: "closed", reason: errorText(e) } });
      return;
    }
    this.savedRooms().forEach((room, i) => void this.joinRoom(room, i === 0));
    void this.loadDirect();
  }

  /**
   * The newest page of the user's inbox, sorted into one conversation per other user: direct
   * messages from before this page load, since the SDK delivers only those sent after connecting.
   */
  private async loadDirect(): Promise<void> {
    let page: { messages: ParleyMessage[] };
    try {
      page = await this.client.directHistory({ limit: inboxPage });
    } catch {
      return; // Live direct messages still arrive; the earlier ones show after the next reload.
    }
    const byPeer = new Map<string, ParleyMessage[]>();
    for (const m of page.messages) {
      const peer = m.from === this.view.me ? m.to : m.from;
      if (!peer || peer === this.view.me) continue;
      byPeer.set(peer, [...(byPeer.get(peer) ?? []), m]);
    }
    for (const [peer, messages] of byPeer) {
      const key = directKey(peer);
      this.ensure(key, "direct", peer);
      const last = messages[messages.length - 1];
      this.update(key, (c) => ({
        ...c,
        timeline: mergeCommitted(c.timeline, messages.map(incoming)),
        mark: c.mark === unseen && last ? startAt(last.seq) : c.mark,
      }));
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const off of this.off) off();
    for (const t of this.timers) clearTimeout(t);
    await this.client.close();
  }

  /** Joins a room (or re-opens it) and makes it the active conversation. */
  async joinRoom(room: string, activate = true): Promise<void> {
    const key = roomKey(room);
    this.ensure(key, "room", room);
    if (activate) this.open(key);
    try {
      const joined = await this.client.join(room);
      this.update(key, (c) => ({ ...c, mark: c.mark === unseen ? startAt(joined.seq) : c.mark, error: undefined }));
      this.saveRooms();
      await Promise.all([this.loadOlder(room, true), this.refreshPresence(room)]);
    } catch (e) {
      this.update(key, (c) => ({ ...c, error: errorText(e) }));
    }
  }

  /** Opens a direct conversation with a user of the tenant. */
  openDirect(user: string): void {
    const key = directKey(user);
    this.ensure(key, "direct", user);
    this.open(key);
  }

  open(key: string): void {
    if (!this.view.conversations[key]) return;
    this.set({ active: key });
    this.update(key, (c) => ({ ...c, mark: markRead(c.mark) }));
  }

  async leaveRoom(room: string): Promise<void> {
    const key = roomKey(room);
    const { [key]: _gone, ...rest } = this.view.conversations;
    const order = this.view.order.filter((k) => k !== key);
    this.set({ conversations: rest, order, active: this.view.active === key ? order[0] : this.view.active });
    this.saveRooms();
    try {
      await this.client.leave(room);
    } catch {
      // Leaving is best effort: the connection's membership ends with it anyway.
    }
  }

  /** Loads the page of history before the oldest message shown (or the newest page, `first`). */
  async loadOlder(room: string, first = false): Promise<void> {
    const key = roomKey(room);
    const c = this.view.conversations[key];
    if (!c || c.loadingOlder || (!first && !c.more)) return;
    this.update(key, (x) => ({ ...x, loadingOlder: true }));
    const before = first ? undefined : oldestSeq(c.timeline);
    try {
      const page = await this.client.history(room, before === undefined ? { limit: historyPage } : { before, limit: historyPage });
      this.update(key, (x) => ({
        ...x,
        loadingOlder: false,
        more: page.more,
        timeline: mergeCommitted(x.timeline, page.messages.map(incoming)),
      }));
    } catch (e) {
      this.update(key, (x) => ({ ...x, loadingOlder: false, error: errorText(e) }));
    }
  }

  /** Sends text to the active conversation's room or user. */
  async send(key: string, text: string): Promise<void> {
    const c = this.view.conversations[key];
    if (!c || text.trim() === "") return;
    const id = newMessageId();
    this.update(key, (x) => ({ ...x, timeline: addPending(x.timeline, { id, from: this.view.me, body: { text } }) }));
    await this.deliver(c, id, { text });
  }

  /** Sends a failed message again under the same id: the node stores it at most once. */
  async retry(key: string, id: string): Promise<void> {
    const c = this.view.conversations[key];
    const p = c?.timeline.pending.find((e) => e.id === id && e.from === this.view.me);
    if (!c || !p) return;
    this.update(key, (x) => ({ ...x, timeline: retrying(x.timeline, this.view.me, id) }));
    await this.deliver(c, id, p.body);
  }

  /** Called on every keystroke in the composer: the SDK sends at most one signal per room every 2 s. */
  typing(key: string): void {
    const c = this.view.conversations[key];
    if (!c || c.kind !== "room") return;
    try {
      this.client.typing(c.name);
    } catch {
      // Typing is ephemeral: a signal lost while reconnecting does not matter.
    }
  }

  private async deliver(c: Conversation, id: string, body: unknown): Promise<void> {
    const me = this.view.me;
    try {
      if (c.kind === "room") {
        const ack = await this.client.send(c.name, body, { id });
        this.update(c.key, (x) => ({ ...x, timeline: acknowledge(x.timeline, me, id, ack.seq, ack.at), mark: countMessage(x.mark, ack.seq, me, me, true) }));
      } else {
        const ack = await this.client.sendDirect(c.name, body, { id });
        this.update(c.key, (x) => ({
          ...x,
          timeline: ack.seq === undefined ? x.timeline : acknowledge(x.timeline, me, id, ack.seq, ack.at),
        }));
      }
    } catch (e) {
      this.update(c.key, (x) => ({ ...x, timeline: fail(x.timeline, me, id, errorCode(e)) }));
    }
  }

  private onMessage(m: ParleyMessage): void {
    const to = m.to;
    const direct = m.direct === true || m.room === undefined;
    let key: string;
    if (direct) {
      // An inbox holds both directions: the other party is the sender, or the recipient when we sent it.
      const peer = m.from === this.view.me ? (to ?? this.peerOfPending(m.id)) : m.from;
      if (!peer) return;
      key = directKey(peer);
      this.ensure(key, "direct", peer);
    } else {
      if (!m.room) return;
      key = roomKey(m.room);
      if (!this.view.conversations[key]) return; // A room we left; its last messages may still be in flight.
    }
    const open = this.view.active === key && isVisible();
    this.update(key, (c) => {
      const typing = { ...c.typing };
      delete typing[m.from];
      return {
        ...c,
        typing,
        timeline: mergeCommitted(c.timeline, [incoming(m)]),
        mark: countMessage(c.mark, m.seq, m.from, this.view.me, open),
      };
    });
  }

  private peerOfPending(id: string): string | undefined {
    for (const c of Object.values(this.view.conversations)) {
      if (c.kind === "direct" && c.timeline.pending.some((p) => p.id === id)) return c.name;
    }
    return undefined;
  }

  private onState(s: ConnectionStateEvent): void {
    let banner: Banner;
    switch (s.state) {
      case "connecting":
        banner = this.everConnected ? this.view.banner : { kind: "connecting" };
        break;
      case "connected":
        this.everConnected = true;
        banner = this.view.banner.kind === "reconnecting" ? { kind: "back", caughtUp: 0 } : { kind: "none" };
        break;
      case "reconnecting":
        banner = { kind: "reconnecting", attempt: s.attempt, reason: s.reason };
        break;
      case "resumed":
        banner = { kind: "back", caughtUp: s.caughtUp };
        break;
      case "closed":
        banner = { kind: "closed", code: s.code, reason: s.reason };
        break;
    }
    this.set({ banner });
    if (banner.kind === "back") {
      this.later(backShownMs, () => {
        if (this.view.banner === banner) this.set({ banner: { kind: "none" } });
      });
      // Presence may have changed while we were away.
      for (const c of Object.values(this.view.conversations)) if (c.kind === "room") void this.refreshPresence(c.name);
    }
  }

  private onTyping(room: string, user: string): void {
    if (user === this.view.me) return;
    const key = roomKey(room);
    const until = Date.now() + typingShownMs;
    this.update(key, (c) => ({ ...c, typing: { ...c.typing, [user]: until } }));
    this.later(typingShownMs + 50, () =>
      this.update(key, (c) => {
        const t = c.typing[user];
        if (t === undefined || t > Date.now()) return c;
        const typing = { ...c.typing };
        delete typing[user];
        return { ...c, typing };
      }),
    );
  }

  private onPresence(e: PresenceEvent): void {
    const key = roomKey(e.room);
    this.update(key, (c) => {
      const users = new Set(c.presence);
      if (e.user !== undefined) {
        if (e.online) users.add(e.user);
        else users.delete(e.user);
      }
      for (const u of e.joined ?? []) users.add(u);
      for (const u of e.left ?? []) users.delete(u);
      if (e.users) return { ...c, presence: [...e.users].sort() };
      return { ...c, presence: [...users].sort() };
    });
  }

  private async refreshPresence(room: string): Promise<void> {
    try {
      const users = await this.client.presence(room);
      this.update(roomKey(room), (c) => ({ ...c, presence: [...users].sort() }));
    } catch {
      // Presence events keep the list current; a failed snapshot is retried after a reconnect.
    }
  }

  private ensure(key: string, kind: Conversation["kind"], name: string): void {
    if (this.view.conversations[key]) return;
    const c: Conversation = { key, kind, name, timeline: emptyTimeline, mark: unseen, presence: [], typing: {}, more: kind === "room", loadingOlder: false };
    this.set({ conversations: { ...this.view.conversations, [key]: c }, order: [...this.view.order, key] });
  }

  private update(key: string, f: (c: Conversation) => Conversation): void {
    const c = this.view.conversations[key];
    if (!c) return;
    const next = f(c);
    if (next !== c) this.set({ conversations: { ...this.view.conversations, [key]: next } });
  }

  private set(patch: Partial<ChatView>): void {
    if (this.disposed) return;
    this.view = { ...this.view, ...patch };
    for (const l of this.listeners) l();
  }

  private later(ms: number, f: () => void): void {
    const t = setTimeout(() => {
      this.timers = this.timers.filter((x) => x !== t);
      f();
    }, ms);
    this.timers.push(t);
  }

  private get roomsStorageKey(): string {
    return `parley.rooms.${this.options.tenant}.${this.options.user}`;
  }

  private savedRooms(): string[] {
    try {
      const rooms = JSON.parse(localStorage.getItem(this.roomsStorageKey) ?? "[]") as unknown;
      return Array.isArray(rooms) ? rooms.filter((r): r is string => typeof r === "string") : [];
    } catch {
      return [];
    }
  }

  /** The rooms joined are remembered per tenant and user, so a reload joins them again. */
  private saveRooms(): void {
    const rooms = Object.values(this.view.conversations).filter((c) => c.kind === "room").map((c) => c.name);
    localStorage.setItem(this.roomsStorageKey, JSON.stringify(rooms));
  }
}

/** The presence event, in the SDK's shape ({user, online}) or the protocol's ({joined, left}). */
interface PresenceEvent {
  room: string;
  user?: string;
  online?: boolean;
  joined?: string[];
  left?: string[];
  users?: string[];
}

function incoming(m: ParleyMessage) {
  return { seq: m.seq, id: m.id, from: m.from, body: m.body, at: m.at };
}

function isVisible(): boolean {
  return typeof document === "undefined" || document.visibilityState !== "hidden";
}

/** A client message id: unique per sender, within the protocol's identifier rules. */
export function newMessageId(): string {
  return `w-${crypto.randomUUID()}`;
}

function errorCode(e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : "failed";
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
