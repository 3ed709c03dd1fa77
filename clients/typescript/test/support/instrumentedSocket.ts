import { WebSocket } from "ws";
import { freePort } from "./parleyNode.js";

/**
 * The `ws` WebSocket with handles for tests: every socket created is listed, new sockets can be
 * sent to a port where nothing listens (`blocked`: the client's reconnects fail until released),
 * and a socket can be made deaf (it drops every frame it receives, as if the network ate them).
 */
export interface SocketControl {
  readonly ctor: new (url: string) => InstrumentedSocket;
  readonly sockets: InstrumentedSocket[];
  blocked: boolean;
  last(): InstrumentedSocket;
}

export interface InstrumentedSocket extends WebSocket {
  deaf: boolean;
}

export async function instrumentedWebSocket(): Promise<SocketControl> {
  const deadUrl = `ws://127.0.0.1:${await freePort()}/v1/ws`;
  const messageProperty = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage");
  const control: SocketControl = {
    ctor: undefined as unknown as SocketControl["ctor"],
    sockets: [],
    blocked: false,
    last() {
      const socket = control.sockets[control.sockets.length - 1];
      if (!socket) throw new Error("no socket was created");
      return socket;
    },
  };
  class Instrumented extends WebSocket implements InstrumentedSocket {
    deaf = false;

    constructor(url: string) {
      super(control.blocked ? deadUrl : url);
      control.sockets.push(this);
      // The client assigns onmessage; the handler it gets skips frames while the socket is deaf.
      Object.defineProperty(this, "onmessage", {
        configurable: true,
        get: () => messageProperty?.get?.call(this),
        set: (handler: ((event: unknown) => void) | null) => {
          messageProperty?.set?.call(this, handler && ((event: unknown) => {
            if (!this.deaf) handler(event);
          }));
        },
      });
    }
  }
  (control as { ctor: SocketControl["ctor"] }).ctor = Instrumented;
  return control;
}
