/**
 * The last sequence delivered per room and for the direct-message inbox, and the rooms joined.
 * It is the whole resume state: what a reconnect's `connect` asks for, and the mark at or below
 * which a message is a duplicate.
 */
export class StreamPositions {
  private readonly rooms = new Map<string, number>();
  private readonly joined = new Set<string>();
  private inboxSeq: number | undefined;

  /** `inboxSince`: the inbox position persisted by an earlier run, if any. */
  constructor(inboxSince?: number) {
    this.inboxSeq = inboxSince;
  }

  /** The last inbox sequence delivered, or undefined before the first connect established one. */
  get inbox(): number | undefined {
    return this.inboxSeq;
  }

  room(room: string): number | undefined {
    return this.rooms.get(room);
  }

  isJoined(room: string): boolean {
    return this.joined.has(room);
  }

  /** An explicit `since`: the room's messages are wanted from there, even if that is before what was delivered. */
  startRoomAt(room: string, since: number): void {
    this.rooms.set(room, since);
  }

  /**
   * The server confirmed a join. A live-only join (no `since`) has, by choice, seen everything up
   * to `head`, which is where a later resume continues. An `ephemeral` room keeps no position:
   * a reconnect rejoins it live.
   */
  joinedRoom(room: string, head: number, liveOnly: boolean, ephemeral = false): void {
    this.joined.add(room);
    if (ephemeral) {
      this.rooms.delete(room);
      return;
    }
    const seq = this.rooms.get(room);
    if (liveOnly && (seq === undefined || seq < head)) {
      this.rooms.set(room, head);
    }
  }

  /** The room is no longer resumed; its position is kept for a later join with `since`. */
  leftRoom(room: string): void {
    this.joined.delete(room);
  }

  /** The connection started its inbox live at `head`: later resumes continue from there. */
  inboxAtLeast(head: number): void {
    if (this.inboxSeq === undefined || this.inboxSeq < head) {
      this.inboxSeq = head;
    }
  }

  /** Records a room message about to be delivered; false when its seq was already delivered. */
  tryAdvanceRoom(room: string, seq: number): boolean {
    const last = this.rooms.get(room);
    if (last !== undefined && seq <= last) {
      return false;
    }
    this.rooms.set(room, seq);
    return true;
  }

  /** Records a direct message about to be delivered; false when its seq was already delivered. */
  tryAdvanceInbox(seq: number): boolean {
    if (this.inboxSeq !== undefined && seq <= this.inboxSeq) {
      return false;
    }
    this.inboxSeq = seq;
    return true;
  }

  /** Every joined room with the last sequence delivered in it: the `resume` of a reconnect. */
  resumeMap(): Record<string, number> {
    const map: Record<string, number> = {};
    for (const room of this.joined) {
      map[room] = this.rooms.get(room) ?? 0;
    }
    return map;
  }
}
