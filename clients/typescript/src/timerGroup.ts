import { ParleyError } from "./errors.js";
import { clientErrorCodes } from "./errorCodes.js";

type Timer = ReturnType<typeof setTimeout>;

/**
 * The client's timers, kept together so that one call cancels them all: when a connection ends
 * (its refresh, liveness check and hint die with it) and when the client closes (which also ends
 * the reconnect wait at once). A closed client leaves no timer behind to keep Node's event loop alive.
 */
export class TimerGroup {
  private readonly timers = new Set<Timer>();
  private readonly sleepers = new Set<() => void>();

  set(callback: () => void, ms: number): Timer {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      callback();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  clear(timer: Timer | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  /** Cancels every timer and ends every sleep early. */
  clearAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of [...this.sleepers]) wake();
  }

  /** Resolves after `ms`, or sooner at `clearAll`. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleepers.delete(wake);
        this.clear(timer);
        resolve();
      };
      const timer = this.set(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** `promise`, or a `timeout` rejection naming `what` if it has not settled within `ms`. */
  withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.set(() => reject(new ParleyError(clientErrorCodes.timeout, `${what} within ${ms} ms.`)), ms);
      promise.then(
        (value) => {
          this.clear(timer);
          resolve(value);
        },
        (error: unknown) => {
          this.clear(timer);
          reject(error);
        },
      );
    });
  }
}
