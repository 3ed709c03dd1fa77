import type { StreamPositions } from "./streamPositions.js";

/**
 * Tracks the catch-up of one reconnect: the rooms sent in `connect.resume` until each has been
 * answered (`joined` with its head, or an error) and replayed up to that head, and the inbox up to
 * the head `connected` reported. Counts the messages delivered meanwhile: the `caughtUp` of the
 * `resumed` event. The node answers the resumed rooms in the order they were sent.
 */
export class ResumeProgress {
  private readonly awaitingAnswer: string[];
  private readonly heads = new Map<string, number>();
  private delivered = 0;
  private readonly inboxHead: number | undefined;

  /** `inboxHead`: the inbox head `connected` reported, when the inbox was resumed. */
  constructor(rooms: readonly string[], inboxHead: number | undefined) {
    this.awaitingAnswer = [...rooms];
    this.inboxHead = inboxHead;
  }

  get caughtUp(): number {
    return this.delivered;
  }

  /** A `joined` without rid: the node rejoined a resumed room, whose replay ends at `head`. */
  joined(room: string, head: number): void {
    const index = this.awaitingAnswer.indexOf(room);
    if (index < 0) return;
    this.awaitingAnswer.splice(index, 1);
    this.heads.set(room, head);
  }

  /** An `error` without rid during the resume: the node could not rejoin the oldest room still unanswered. */
  refusedNext(): void {
    this.awaitingAnswer.shift();
  }

  /** The node removed the connection from a room: nothing more comes from it. */
  left(room: string): void {
    const index = this.awaitingAnswer.indexOf(room);
    if (index >= 0) this.awaitingAnswer.splice(index, 1);
    this.heads.delete(room);
  }

  countDelivered(): void {
    this.delivered++;
  }

  /** Whether every resumed stream has delivered up to its head. */
  isComplete(positions: StreamPositions): boolean {
    if (this.awaitingAnswer.length > 0) return false;
    for (const [room, head] of this.heads) {
      if ((positions.room(room) ?? 0) < head) return false;
    }
    return this.inboxHead === undefined || (positions.inbox ?? 0) >= this.inboxHead;
  }
}
