import { ParleyError } from "./errors.js";
import { clientErrorCodes } from "./errorCodes.js";
import type { Rid, ServerFrame } from "./frames.js";

/** A request waiting for its reply. */
export interface PendingRequest {
  readonly rid: Rid;
  /** The frame to write, the same on every connection it is written to. */
  readonly frame: string;
  /** A request bound to one connection (a token refresh) fails with it instead of being written again on the next. */
  readonly pinnedTo: object | undefined;
  /** The connection it was last written on. */
  writtenOn: object | undefined;
}

interface Entry extends PendingRequest {
  settle(frame: ServerFrame): void;
  fail(error: ParleyError): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The requests sent and not yet answered, by rid, in the order they were made. Each has its own
 * deadline, which covers the wait for a connection and any reconnect: a request is written again,
 * unchanged, on every new connection until it is answered or its time runs out. Every request of
 * the protocol is idempotent (a send through its message id), so writing one twice is safe.
 */
export class RequestTable {
  private readonly entries = new Map<Rid, Entry>();
  private lastRid = 0;
  private readonly capacity: number;

  /** `capacity`: how many requests may wait at once (the client's maxBufferedMessages). */
  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Registers a request; the promise settles with `handle(reply)` (which may throw a ParleyError),
   * or rejects with `timeout` after `timeoutMs`, or with what `fail`/`failAll` say.
   */
  add<T>(encode: (rid: Rid) => string, timeoutMs: number, handle: (frame: ServerFrame) => T, pinnedTo?: object): { request: PendingRequest; reply: Promise<T> } {
    if (this.entries.size >= this.capacity) {
      const error = new ParleyError(clientErrorCodes.bufferFull, `${this.capacity} requests already wait for an answer (maxBufferedMessages).`);
      return { request: { rid: 0, frame: "", pinnedTo, writtenOn: undefined }, reply: Promise.reject(error) };
    }
    const rid = ++this.lastRid;
    let entry!: Entry;
    const reply = new Promise<T>((resolve, reject) => {
      entry = {
        rid,
        frame: encode(rid),
        pinnedTo,
        writtenOn: undefined,
        settle: (frame) => {
          try {
            resolve(handle(frame));
          } catch (error) {
            reject(error);
          }
        },
        fail: reject,
        timer: setTimeout(() => {
          if (this.entries.delete(rid)) {
            reject(new ParleyError(clientErrorCodes.timeout, `No answer within ${timeoutMs} ms.`));
          }
        }, timeoutMs),
      };
    });
    this.entries.set(rid, entry);
    return { request: entry, reply };
  }

  /** Settles the request a reply names; false when none waits for that rid (it timed out, or is not ours). */
  complete(rid: Rid, frame: ServerFrame): boolean {
    const entry = this.take(rid);
    if (!entry) return false;
    entry.settle(frame);
    return true;
  }

  fail(rid: Rid, error: ParleyError): void {
    this.take(rid)?.fail(error);
  }

  /** Fails every request bound to a connection that ended. */
  failPinnedTo(connection: object, error: ParleyError): void {
    for (const entry of [...this.entries.values()]) {
      if (entry.pinnedTo === connection) this.fail(entry.rid, error);
    }
  }

  failAll(error: ParleyError): void {
    for (const rid of [...this.entries.keys()]) this.fail(rid, error);
  }

  /** The requests still waiting, oldest first: what a new connection writes again, in the original order. */
  pending(): PendingRequest[] {
    return [...this.entries.values()];
  }

  private take(rid: Rid): Entry | undefined {
    const entry = this.entries.get(rid);
    if (!entry) return undefined;
    this.entries.delete(rid);
    clearTimeout(entry.timer);
    return entry;
  }
}
