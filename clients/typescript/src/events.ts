import type { ConnectionStateEvent } from "./connectionState.js";
import type { ParleyError } from "./errors.js";
import type { ParleyMessage, PresenceEvent, SignalEvent, TypingEvent } from "./messages.js";

/** The events of a ParleyClient and what each handler receives. */
export interface ParleyEvents {
  message: ParleyMessage;
  typing: TypingEvent;
  signal: SignalEvent;
  presence: PresenceEvent;
  state: ConnectionStateEvent;
  error: ParleyError;
}

export type ParleyEventName = keyof ParleyEvents;

/**
 * Handlers by event name. A handler's exception is caught and dropped, so that one faulty
 * handler never stops delivery to the others or the client's own state machine.
 */
export class Emitter {
  private readonly handlers = new Map<ParleyEventName, Set<(value: never) => void>>();

  on<K extends ParleyEventName>(name: K, handler: (value: ParleyEvents[K]) => void): () => void {
    let set = this.handlers.get(name);
    if (!set) {
      set = new Set();
      this.handlers.set(name, set);
    }
    const stored = handler as (value: never) => void;
    set.add(stored);
    return () => {
      set.delete(stored);
    };
  }

  emit<K extends ParleyEventName>(name: K, value: ParleyEvents[K]): void {
    const set = this.handlers.get(name);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        (handler as (value: ParleyEvents[K]) => void)(value);
      } catch {
        // Documented: handler exceptions are ignored so that delivery goes on.
      }
    }
  }
}
