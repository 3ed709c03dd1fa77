import { Backoff } from "./backoff.js";
import { closeCodeName, isTerminalClose, NORMAL_CLOSURE, TOKEN_EXPIRED_CLOSE } from "./closeCodes.js";
import { connectError, Connection, type ConnectionEnd } from "./connection.js";
import type { ConnectionStateEvent, ConnectionStateName } from "./connectionState.js";
import { clientErrorCodes } from "./errorCodes.js";
import { ParleyError } from "./errors.js";
import { Emitter, type ParleyEventName, type ParleyEvents } from "./events.js";
import { encode, parseServerFrame, replyRid, type ConnectedFrame, type Rid, type ServerFrame, type WireMessage } from "./frames.js";
import { newMessageId } from "./messageId.js";
import {
  toParleyMessage,
  type DirectSendResult,
  type HistoryPage,
  type JoinResult,
  type SendResult,
} from "./messages.js";
import { resolveOptions, type ParleyClientOptions, type ResolvedOptions } from "./options.js";
import { delayBeforeRefresh } from "./refreshSchedule.js";
import type { PendingRequest } from "./requestTable.js";
import { RequestTable } from "./requestTable.js";
import { ResumeProgress } from "./resumeProgress.js";
import { StreamPositions } from "./streamPositions.js";
import { TimerGroup } from "./timerGroup.js";
import { TokenCache } from "./tokenCache.js";

/** A connection is taken for dead when nothing arrived for two ping intervals plus this slack. */
const LIVENESS_SLACK_MS = 5000;

/**
 * A connection that lasted this long resets the backoff; one that ends sooner (a node that
 * accepts and closes at once) lets the delays keep growing, so a fleet of clients does not
 * hammer a sick node at the initial rate forever.
 */
const STABLE_CONNECTION_MS = 10_000;

/** Options of `history` and `directHistory`. */
export interface HistoryOptions {
  /** Only messages with a smaller sequence: the newest `limit` of them (page backwards). */
  before?: number;
  /** Only messages with a larger sequence: the oldest `limit` of them (page forwards). Not with `before`. */
  after?: number;
  /** At most this many messages, 1–500 (the node's default: 50). */
  limit?: number;
}

/** Options of `send` and `sendDirect`. */
export interface SendOptions {
  /** The message id (idempotency key), unique per sender; a new time-ordered one when omitted. Pass your own to retry safely after a `timeout`. */
  id?: string;
}

/** What the node reported about the current connection. */
interface SessionInfo {
  tenant: string;
  user: string;
  node: string;
  conn: string;
}

/**
 * A connection to Parley that survives the network: it reconnects with jittered backoff (or when
 * and as the node asks), resumes every joined room and the direct-message inbox from the last
 * sequence it delivered, writes unacknowledged requests again (sends with their original id, so
 * the node stores each message once) and drops the duplicates a resume may bring. Every durable
 * message reaches the `"message"` handlers once, in sequence order per room and for the inbox.
 */
export class ParleyClient {
  private readonly options: ResolvedOptions;
  private readonly emitter = new Emitter();
  private readonly positions: StreamPositions;
  private readonly requests: RequestTable;
  private readonly backoff: Backoff;
  private stateName: ConnectionStateName = "idle";
  private current: Connection | undefined;
  private opening: { conn: Connection; onConnected: (frame: ConnectedFrame) => void } | undefined;
  private info: SessionInfo | undefined;
  private everConnected = false;
  private attempt = 0;
  private waiters: Array<{ resolve: () => void; reject: (error: ParleyError) => void }> = [];
  private readonly token: TokenCache;
  private resume: ResumeProgress | undefined;
  private readonly timers = new TimerGroup();
  private readonly lastTyping = new Map<string, number>();
  private duplicates = 0;
  private lastClose: { code: number | undefined; reason: string | undefined } = { code: undefined, reason: undefined };

  /** Validates the options (throws ParleyError `invalid_options` naming the bad one); nothing is sent until `connect()`. */
  constructor(options: ParleyClientOptions) {
    this.options = resolveOptions(options);
    this.positions = new StreamPositions(this.options.inboxSince);
    this.requests = new RequestTable(this.options.maxBufferedMessages);
    this.backoff = new Backoff(this.options.backoffInitialMs, this.options.backoffMaxMs);
    this.token = new TokenCache(this.options.token, this.options.tokenRefreshMarginMs);
  }

  /** The current state; the `"state"` event reports every change. */
  get state(): ConnectionStateName {
    return this.stateName;
  }

  /** The user the node verified, once connected (kept after a disconnect). */
  get user(): string | undefined {
    return this.info?.user;
  }

  /** The tenant the node verified, once connected (kept after a disconnect). */
  get tenant(): string | undefined {
    return this.info?.tenant;
  }

  /** The close code that ended the last connection (1000 after `close()`); in the `closed` state, why the client stopped. */
  get closeCode(): number | undefined {
    return this.lastClose.code;
  }

  /** How many messages were dropped because their sequence had already been delivered. */
  get duplicatesDropped(): number {
    return this.duplicates;
  }

  /** The last inbox sequence delivered (0 before any): persist it and pass it as `inboxSince` on the next run. */
  get inboxSeq(): number {
    return this.positions.inbox ?? 0;
  }

  /** The last sequence delivered in `room` (0 when none): what a reconnect resumes from, and a `since` to persist. */
  lastSeq(room: string): number {
    return this.positions.room(room) ?? 0;
  }

  /** Subscribes to an event; returns the function that unsubscribes. Handlers run synchronously as frames arrive; their exceptions are ignored. */
  on<K extends ParleyEventName>(name: K, handler: (value: ParleyEvents[K]) => void): () => void {
    return this.emitter.on(name, handler);
  }

  /**
   * Opens the connection; resolves at the first `connected`. Failed attempts are retried with the
   * reconnect policy (the `"state"` event reports each); rejects only when the client is closed,
   * by `close()` or by a close code of 4500 and above (the error names it, e.g. `invalid_token`).
   */
  connect(): Promise<void> {
    if (this.stateName === "closed") {
      return Promise.reject(this.closedError());
    }
    if (this.stateName === "connected") {
      return Promise.resolve();
    }
    const connected = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.stateName === "idle") {
      void this.run();
    }
    return connected;
  }

  /** Closes the connection normally and for good: pending calls reject with `closed`, no reconnect follows. */
  async close(): Promise<void> {
    this.enterClosed(NORMAL_CLOSURE, "closed by the client");
  }

  /**
   * Joins a room. Without `since`, only messages sent from now on are delivered; with it, every
   * message after that sequence is replayed first (0: all that is retained). Once joined, every
   * reconnect resumes the room until `leave`.
   */
  join(room: string, opts: { since?: number } = {}): Promise<JoinResult> {
    const since = opts.since;
    if (since !== undefined && (!Number.isInteger(since) || since < 0)) {
      return Promise.reject(new ParleyError(clientErrorCodes.invalidArgument, "since must be a non-negative integer."));
    }
    if (since !== undefined) {
      this.positions.startRoomAt(room, since);
    }
    return this.request((rid) => encode.join(rid, room, since), this.options.requestTimeoutMs, (frame) => {
      const joined = expect(frame, "joined");
      const ephemeral = joined.ephemeral === true;
      this.positions.joinedRoom(joined.room, joined.head, since === undefined, ephemeral);
      return { room: joined.room, seq: joined.head, resumed: joined.resumed ?? true, ephemeral };
    });
  }

  /** Leaves a room: its messages stop and reconnects no longer resume it; `lastSeq(room)` keeps its value. */
  leave(room: string): Promise<void> {
    return this.request((rid) => encode.leave(rid, room), this.options.requestTimeoutMs, (frame) => {
      expect(frame, "left");
      this.positions.leftRoom(room);
      this.lastTyping.delete(room);
    });
  }

  /**
   * Sends a durable message to a room; resolves with the committed sequence. If the connection
   * drops first, the same frame (same id, same body bytes) is written again after the reconnect,
   * and the node stores it once. Rejects with `timeout` when no acknowledgement came within
   * `sendTimeoutMs` (the message may still be committed: send again with the same id to learn).
   */
  send(room: string, body: unknown, opts: SendOptions = {}): Promise<SendResult> {
    return this.sendTo({ room }, body, opts).then((ack) => ({
      seq: ack.seq ?? 0,
      id: ack.id,
      at: ack.ts,
      duplicate: ack.duplicate ?? false,
    }));
  }

  /** Sends a durable direct message to a user of the same tenant; `seq` is its position in this user's own inbox. Acknowledged, re-sent and de-duplicated like `send`. */
  sendDirect(user: string, body: unknown, opts: SendOptions = {}): Promise<DirectSendResult> {
    return this.sendTo({ to: user }, body, opts).then((ack) => ({
      id: ack.id,
      seq: ack.seq ?? 0,
      at: ack.ts,
      duplicate: ack.duplicate ?? false,
    }));
  }

  /**
   * A page of a room's stored messages, in ascending sequence order; `more` says whether the
   * pages go on (older ones with `before`, the default; newer ones with `after`). Not
   * de-duplicated against live delivery; does not move `lastSeq`.
   */
  history(room: string, opts: HistoryOptions = {}): Promise<HistoryPage> {
    return this.page({ room }, opts);
  }

  /** A page of this user's direct-message inbox, as `history` pages a room. */
  directHistory(opts: HistoryOptions = {}): Promise<HistoryPage> {
    return this.page({ inbox: true }, opts);
  }

  /**
   * Tells the other members of a joined room that this user is typing. Ephemeral: written once if
   * connected, dropped otherwise, and at most once per room per `typingIntervalMs`, so it may be
   * called on every keystroke.
   */
  typing(room: string): void {
    const now = Date.now();
    const last = this.lastTyping.get(room);
    if (last !== undefined && now - last < this.options.typingIntervalMs) return;
    if (this.signal(room, { typing: true })) this.lastTyping.set(room, now);
  }

  /** Sends an ephemeral signal to the other members of a joined room; false when not connected (it is not queued). */
  signal(room: string, body: unknown): boolean {
    return this.current?.send(encode.signal(room, body)) ?? false;
  }

  /** The users present in a room now. Changes arrive as `"presence"` events to members. */
  presence(room: string): Promise<string[]> {
    return this.request((rid) => encode.presence(rid, room), this.options.requestTimeoutMs, (frame) => expect(frame, "presence").users ?? []);
  }

  /** A round trip to the node: proof that the connection and the node answer. */
  ping(): Promise<void> {
    return this.request((rid) => encode.ping(rid), this.options.requestTimeoutMs, (frame) => {
      expect(frame, "pong");
    });
  }

  // ---- requests -------------------------------------------------------------------------------

  private sendTo(target: { room: string } | { to: string }, body: unknown, opts: SendOptions) {
    const id = opts.id ?? newMessageId();
    // Serialized once: every re-send repeats the body byte for byte, as the node's idempotency check requires.
    const bodyJson = JSON.stringify(body);
    if (bodyJson === undefined) {
      return Promise.reject(new ParleyError("missing_body", "The body must be a JSON value (undefined and functions are not)."));
    }
    return this.request((rid) => encode.send(rid, target, id, bodyJson), this.options.sendTimeoutMs, (frame) => expect(frame, "ack"));
  }

  private page(target: { room: string } | { inbox: true }, opts: HistoryOptions): Promise<HistoryPage> {
    if (opts.before !== undefined && opts.after !== undefined) {
      return Promise.reject(new ParleyError(clientErrorCodes.invalidArgument, "Page either backwards (before) or forwards (after), not both."));
    }
    if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 1 || opts.limit > 500)) {
      return Promise.reject(new ParleyError(clientErrorCodes.invalidArgument, "limit must be an integer from 1 to 500."));
    }
    const query: { before?: number; after?: number; limit?: number } = {};
    if (opts.before !== undefined) query.before = opts.before;
    if (opts.after !== undefined) query.after = opts.after;
    if (opts.limit !== undefined) query.limit = opts.limit;
    return this.request((rid) => encode.history(rid, target, query), this.options.requestTimeoutMs, (frame) => {
      const page = expect(frame, "history");
      const messages = page.messages.map((wire) => toParleyMessage("room" in target && wire.room === undefined && wire.to === undefined ? { ...wire, room: target.room } : wire));
      const firstSeq = messages[0]?.seq;
      const lastSeq = messages[messages.length - 1]?.seq;
      const more = opts.after !== undefined
        ? lastSeq !== undefined && lastSeq < page.head
        : firstSeq !== undefined && firstSeq > page.first;
      return { messages, more, head: page.head, first: page.first };
    });
  }

  /**
   * Registers a request and writes it if connected; the table writes it again on every new
   * connection until it is answered or times out. `pinnedTo` binds it to one connection.
   */
  private request<T>(encodeFrame: (rid: Rid) => string, timeoutMs: number, handle: (frame: ServerFrame) => T, pinnedTo?: Connection): Promise<T> {
    if (this.stateName === "closed") {
      return Promise.reject(this.closedError());
    }
    if (this.stateName === "idle") {
      return Promise.reject(new ParleyError(clientErrorCodes.notConnected, "Call connect() first."));
    }
    const { request, reply } = this.requests.add(encodeFrame, timeoutMs, (frame) => {
      if (frame.op === "error") {
        throw new ParleyError(frame.code, frame.message ?? frame.code);
      }
      return handle(frame);
    }, pinnedTo);
    if (request.rid !== 0) {
      this.write(request);
    }
    return reply;
  }

  private write(request: PendingRequest): void {
    const conn = this.current;
    if (conn && (request.pinnedTo === undefined || request.pinnedTo === conn) && conn.send(request.frame)) {
      request.writtenOn = conn;
    }
  }

  // ---- connection lifecycle ------------------------------------------------------------------

  /** Owns the client from `connect()` on: one connection at a time, then the wait before the next, until closed. */
  private async run(): Promise<void> {
    this.setState({ state: "connecting" });
    while (!this.isClosed()) {
      let delayMs: number;
      let reason: string;
      try {
        const conn = await this.open();
        const connectedAt = Date.now();
        const end = await conn.ended;
        if (Date.now() - connectedAt >= STABLE_CONNECTION_MS) this.backoff.reset();
        this.deactivate(conn, end);
        if (this.isClosed()) return;
        if (isTerminalClose(end.code) || this.cannotRenewAfter(end.code)) {
          this.enterClosed(end.code, end.reason || closeCodeName(end.code));
          return;
        }
        if (end.code === TOKEN_EXPIRED_CLOSE) this.token.markStale();
        reason = closeCodeName(end.code) ?? (end.reason || `closed with ${end.code ?? "no code"}`);
        delayMs = conn.reconnectAt !== undefined ? Math.max(0, conn.reconnectAt - Date.now()) : this.backoff.next();
      } catch (e) {
        if (this.isClosed()) return;
        const error = e instanceof ParleyError ? e : new ParleyError(clientErrorCodes.connectFailed, String(e));
        if (isTerminalClose(error.closeCode) || this.cannotRenewAfter(error.closeCode)) {
          this.enterClosed(error.closeCode, error.code, error);
          return;
        }
        if (error.closeCode === TOKEN_EXPIRED_CLOSE) this.token.markStale();
        reason = error.code;
        // Every client refused together got the same Retry-After; the jitter spreads their return.
        delayMs = (error.retryAfterMs ?? 0) + this.backoff.next();
      }
      this.attempt++;
      this.setState({ state: "reconnecting", attempt: this.attempt, delayMs, reason });
      await this.timers.sleep(delayMs);
    }
  }

  /** One attempt: token, upgrade, `connect` with the resume state, `connected`; bounded by `requestTimeoutMs`. */
  private async open(): Promise<Connection> {
    const deadline = this.options.requestTimeoutMs;
    const token = await this.timers.withTimeout(this.token.forConnect(), deadline, "The token callback did not answer");
    if (this.isClosed()) throw this.closedError();
    const resume = this.positions.resumeMap();
    const inbox = this.options.resumeInbox ? this.positions.inbox : undefined;
    return new Promise<Connection>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const fail = (error: ParleyError) => {
        this.timers.clear(timer);
        if (this.opening?.conn === conn) this.opening = undefined;
        reject(error);
      };
      let conn: Connection;
      try {
        conn = new Connection(
          this.options.webSocket,
          this.options.url,
          () => conn.send(encode.connect(token, resume, inbox)),
          (text) => this.receive(conn, text),
        );
      } catch (e) {
        reject(new ParleyError(clientErrorCodes.connectFailed, `The WebSocket could not be created: ${String(e)}`));
        return;
      }
      this.opening = {
        conn,
        onConnected: (frame) => {
          this.timers.clear(timer);
          this.opening = undefined;
          if (this.stateName === "closed") {
            conn.close(NORMAL_CLOSURE, "closed by the client");
            reject(this.closedError());
            return;
          }
          this.activate(conn, frame, Object.keys(resume), inbox !== undefined);
          resolve(conn);
        },
      };
      timer = this.timers.set(() => {
        conn.abort("no connected frame in time");
        fail(new ParleyError(clientErrorCodes.timeout, `No connection to ${this.options.url} within ${deadline} ms.`));
      }, deadline);
      void conn.ended.then((end) => fail(connectError(end)));
    });
  }

  private activate(conn: Connection, frame: ConnectedFrame, resumedRooms: string[], inboxResumed: boolean): void {
    if (!inboxResumed && typeof frame.inbox_head === "number") {
      this.positions.inboxAtLeast(frame.inbox_head);
    }
    this.current = conn;
    this.info = { tenant: frame.tenant, user: frame.user, node: frame.node, conn: frame.conn };
    this.token.accepted(frame.expires);
    this.attempt = 0;
    const reconnected = this.everConnected;
    this.everConnected = true;
    // What waited for a connection goes out first, in the order it was asked, before any handler
    // of the events below can add to it.
    for (const request of this.requests.pending()) {
      if (request.pinnedTo === undefined && request.writtenOn !== conn) this.write(request);
    }
    this.setState({ state: "connected" });
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
    if (reconnected) {
      this.resume = new ResumeProgress(resumedRooms, inboxResumed ? frame.inbox_head : undefined);
      this.checkResumed();
      if (this.resume) {
        const progress = this.resume;
        // A resume whose end cannot be seen (a room refused without a trace) is reported anyway.
        this.timers.set(() => {
          if (this.resume === progress) this.finishResume();
        }, this.options.requestTimeoutMs);
      }
    }
    this.scheduleRefresh(conn);
    this.watchLiveness(conn, frame.ping);
  }

  private deactivate(conn: Connection, end: ConnectionEnd): void {
    if (this.current === conn) {
      this.current = undefined;
    }
    this.resume = undefined;
    this.timers.clearAll();
    if (this.stateName !== "closed") {
      this.lastClose = { code: end.code, reason: end.reason };
    }
    this.requests.failPinnedTo(conn, new ParleyError(clientErrorCodes.notConnected, "The connection ended before the answer."));
  }

  /** The terminal transition: no more reconnects, pending calls and `connect()` waiters fail. */
  private enterClosed(code: number | undefined, reason: string | undefined, cause?: ParleyError): void {
    if (this.stateName === "closed") return;
    this.lastClose = { code, reason };
    this.stateName = "closed";
    const conn = this.current ?? this.opening?.conn;
    this.current = undefined;
    this.opening = undefined;
    this.resume = undefined;
    this.timers.clearAll();
    conn?.close(NORMAL_CLOSURE, "closed by the client");
    const error = cause ?? this.closedError();
    this.requests.failAll(error);
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    const event: ConnectionStateEvent = { state: "closed" };
    if (code !== undefined) event.code = code;
    if (reason !== undefined) event.reason = reason;
    this.emitter.emit("state", event);
  }

  private setState(event: ConnectionStateEvent): void {
    if (this.stateName === "closed") return;
    if (event.state !== "resumed") this.stateName = event.state;
    this.emitter.emit("state", event);
  }

  /** A fixed token that expired cannot be replaced: reconnecting with it would only be refused again. */
  private cannotRenewAfter(code: number | undefined): boolean {
    return code === TOKEN_EXPIRED_CLOSE && !this.token.renewable;
  }

  /** A method, not a field comparison, because the state changes behind every await. */
  private isClosed(): boolean {
    return this.stateName === "closed";
  }

  private closedError(): ParleyError {
    const { code, reason } = this.lastClose;
    const details = code === undefined ? {} : { closeCode: code };
    const why = code === undefined ? "" : ` (${code}${reason ? ` ${reason}` : ""})`;
    return new ParleyError(clientErrorCodes.closed, `The client is closed${why}.`, details);
  }

  // ---- frames from the node ------------------------------------------------------------------

  private receive(conn: Connection, text: string): void {
    let frame: ServerFrame | undefined;
    try {
      frame = parseServerFrame(text);
    } catch (e) {
      this.emitter.emit("error", new ParleyError("bad_frame", `The node sent a frame this client cannot read: ${String(e)}`));
      return;
    }
    if (!frame) return;
    const rid = replyRid(frame);
    switch (frame.op) {
      case "connected":
        if (this.opening?.conn === conn) this.opening.onConnected(frame);
        return;
      case "msg":
        this.deliver(frame);
        return;
      case "ping":
        conn.send(encode.pong());
        return;
      case "reconnect": {
        const after = Math.max(0, frame.after_ms ?? 0);
        conn.reconnectAt = Date.now() + after;
        // A node that hinted but never closes is left by the client once the hint's delay is over.
        this.timers.set(() => conn.abort(`the node asked to reconnect (${frame.reason ?? "no reason"})`), after);
        return;
      }
      case "signal":
        this.emitter.emit("signal", { room: frame.room, from: frame.from, body: frame.body });
        if (isTyping(frame.body)) this.emitter.emit("typing", { room: frame.room, user: frame.from });
        return;
      case "joined":
        if (rid === undefined) {
          this.resume?.joined(frame.room, frame.head);
          this.checkResumed();
          return;
        }
        break;
      case "left":
        if (rid === undefined) {
          // The node removed the connection from the room (a refreshed token no longer allows it, or its replay failed).
          this.positions.leftRoom(frame.room);
          this.resume?.left(frame.room);
          this.emitter.emit("error", new ParleyError(frame.reason ?? "forbidden", `The node removed this connection from room '${frame.room}'.`, { room: frame.room }));
          this.checkResumed();
          return;
        }
        break;
      case "presence":
        if (rid === undefined) {
          for (const user of frame.joined ?? []) this.emitter.emit("presence", { room: frame.room, user, online: true });
          for (const user of frame.left ?? []) this.emitter.emit("presence", { room: frame.room, user, online: false });
          return;
        }
        break;
      case "error":
        if (rid !== undefined && this.requests.complete(rid, frame)) return;
        if (rid === undefined && this.resume) {
          this.resume.refusedNext();
          this.checkResumed();
        }
        this.emitter.emit("error", new ParleyError(frame.code, frame.message ?? frame.code));
        return;
    }
    if (rid !== undefined) this.requests.complete(rid, frame);
  }

  /**
   * Delivers a durable message unless its sequence was already delivered in its stream. A message
   * of an ephemeral room has no sequence: it is delivered as it comes, with no position kept.
   */
  private deliver(wire: WireMessage): void {
    if (wire.room !== undefined && wire.seq === undefined) {
      const message = toParleyMessage(wire);
      message.ephemeral = true;
      this.emitter.emit("message", message);
      return;
    }
    const fresh = wire.room !== undefined ? this.positions.tryAdvanceRoom(wire.room, wire.seq ?? 0) : this.positions.tryAdvanceInbox(wire.seq ?? 0);
    if (!fresh) {
      this.duplicates++;
      return;
    }
    this.resume?.countDelivered();
    this.emitter.emit("message", toParleyMessage(wire));
    this.checkResumed();
  }

  private checkResumed(): void {
    if (this.resume?.isComplete(this.positions)) this.finishResume();
  }

  private finishResume(): void {
    const progress = this.resume;
    if (!progress) return;
    this.resume = undefined;
    this.setState({ state: "resumed", caughtUp: progress.caughtUp });
  }

  // ---- token ---------------------------------------------------------------------------------

  /** Keeps the connection's token fresh with an in-band `refresh` before the expiry the node reported. */
  private scheduleRefresh(conn: Connection): void {
    const expiresAt = this.token.expiresAt;
    if (!this.token.renewable || expiresAt === undefined) return;
    const delay = delayBeforeRefresh(expiresAt, Date.now(), this.options.tokenRefreshMarginMs);
    if (delay === undefined) return;
    this.timers.set(() => void this.refresh(conn), delay);
  }

  private async refresh(conn: Connection): Promise<void> {
    try {
      const token = await this.token.fetch();
      if (this.current !== conn) return;
      const refreshed = await this.request((rid) => encode.refresh(rid, token), this.options.requestTimeoutMs, (frame) => expect(frame, "refreshed"), conn);
      this.token.accepted(refreshed.expires, token);
    } catch (e) {
      if (this.current !== conn) return;
      const error = e instanceof ParleyError ? e : new ParleyError(clientErrorCodes.tokenRefreshFailed, String(e));
      const code = error.code === clientErrorCodes.tokenUnavailable ? clientErrorCodes.tokenRefreshFailed : error.code;
      this.emitter.emit("error", new ParleyError(code, `The token refresh failed: ${error.message}`));
    }
    if (this.current === conn) this.scheduleRefresh(conn);
  }

  // ---- liveness ------------------------------------------------------------------------------

  /** Aborts a connection that has received nothing for two ping intervals: a browser may not notice a dead network for minutes. */
  private watchLiveness(conn: Connection, pingSeconds: number): void {
    if (!(pingSeconds > 0)) return;
    const limit = 2 * pingSeconds * 1000 + LIVENESS_SLACK_MS;
    const check = () => {
      if (this.current !== conn) return;
      const silent = Date.now() - conn.lastReceivedAt;
      if (silent > limit) {
        conn.abort(`nothing received for ${silent} ms`);
      } else {
        this.timers.set(check, limit - silent + 1);
      }
    };
    this.timers.set(check, limit);
  }
}

/** The reply's frame if it is of the expected kind; `unexpected_reply` otherwise. */
function expect<K extends ServerFrame["op"]>(frame: ServerFrame, op: K): Extract<ServerFrame, { op: K }> {
  if (frame.op !== op) {
    throw new ParleyError(clientErrorCodes.unexpectedReply, `The node answered '${frame.op}' where '${op}' was expected.`);
  }
  return frame as Extract<ServerFrame, { op: K }>;
}

function isTyping(body: unknown): boolean {
  return typeof body === "object" && body !== null && (body as { typing?: unknown }).typing === true;
}
