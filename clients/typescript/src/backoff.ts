/**
 * Exponential backoff with full jitter: attempt n waits a uniformly random time in
 * [0, min(max, initial·2ⁿ)). Spreading the whole interval, not only its tail, is what keeps the
 * thousands of clients one node dropped from coming back in lockstep. One reconnect loop owns one.
 */
export class Backoff {
  private attemptCount = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  /** `random` returns a value in [0, 1); Math.random when omitted. */
  constructor(initialMs: number, maxMs: number, random: () => number = Math.random) {
    this.initialMs = initialMs;
    this.maxMs = maxMs;
    this.random = random;
  }

  /** Failed attempts since the last reset. */
  get attempt(): number {
    return this.attemptCount;
  }

  /** The bound the next delay is drawn below. */
  get ceilingMs(): number {
    // 2^attempt overflows nothing in doubles, but the cap has long been reached past 52 doublings.
    return Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attemptCount, 52));
  }

  /** Draws the delay before the next attempt and counts the attempt. */
  next(): number {
    const ceiling = this.ceilingMs;
    this.attemptCount++;
    const fraction = Math.min(Math.max(this.random(), 0), 1);
    return Math.floor(ceiling * fraction);
  }

  /** Starts again from the initial bound, once a connection succeeded. */
  reset(): void {
    this.attemptCount = 0;
  }
}
