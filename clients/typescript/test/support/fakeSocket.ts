/**
 * A scripted stand-in for the browser's WebSocket: the test opens it, feeds it server frames,
 * closes it with a code, and reads what the client sent. `sockets` lists every one created.
 */
export interface FakeSocket {
  readonly url: string;
  readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  /** Every frame the client sent, parsed. */
  readonly sent: Array<Record<string, unknown>>;
  send(text: string): void;
  close(code?: number, reason?: string): void;
  /** The server accepts the upgrade. */
  accept(): void;
  /** The server sends a frame. */
  receive(frame: Record<string, unknown>): void;
  /** The server (or the network, with 1006) ends the connection. */
  serverClose(code: number, reason?: string): void;
  /** The frames of one op the client sent. */
  frames(op: string): Array<Record<string, unknown>>;
}

export function fakeWebSocket(): { ctor: new (url: string) => FakeSocket; sockets: FakeSocket[]; last(): FakeSocket } {
  const sockets: FakeSocket[] = [];
  class Socket implements FakeSocket {
    readyState = 0;
    onopen: FakeSocket["onopen"] = null;
    onmessage: FakeSocket["onmessage"] = null;
    onclose: FakeSocket["onclose"] = null;
    onerror: FakeSocket["onerror"] = null;
    readonly sent: Array<Record<string, unknown>> = [];
    readonly url: string;

    constructor(url: string) {
      this.url = url;
      sockets.push(this);
    }

    send(text: string): void {
      if (this.readyState !== 1) throw new Error("not open");
      this.sent.push(JSON.parse(text) as Record<string, unknown>);
    }

    close(code?: number, reason?: string): void {
      if (this.readyState === 3) return;
      this.serverClose(code ?? 1005, reason);
    }

    accept(): void {
      this.readyState = 1;
      this.onopen?.({});
    }

    receive(frame: Record<string, unknown>): void {
      this.onmessage?.({ data: JSON.stringify(frame) });
    }

    serverClose(code: number, reason = ""): void {
      this.readyState = 3;
      this.onclose?.({ code, reason });
    }

    frames(op: string): Array<Record<string, unknown>> {
      return this.sent.filter((f) => f.op === op);
    }
  }
  return {
    ctor: Socket,
    sockets,
    last() {
      const socket = sockets[sockets.length - 1];
      if (!socket) throw new Error("no socket was created");
      return socket;
    },
  };
}

/** Lets pending promise callbacks run (the client awaits its token callback before opening a socket). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** A `connected` frame as a node sends it. */
export function connectedFrame(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    op: "connected",
    conn: "c-1",
    node: "n-1",
    tenant: "t",
    user: "u",
    ping: 25,
    expires: new Date(Date.now() + 3_600_000).toISOString(),
    inbox_head: 0,
    ...overrides,
  };
}

/** A room `msg` frame. */
export function msg(room: string, seq: number, body: unknown = { n: seq }): Record<string, unknown> {
  return { op: "msg", room, seq, id: `m-${seq}`, from: "someone", ts: "2026-01-01T00:00:00.000Z", body };
}
