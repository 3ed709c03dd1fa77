// The SDK's contract, standing in for @parley/client until clients/typescript is merged into this
// tree. Delete this file once ../clients/typescript/src/index.ts exists.

export interface ParleyMessage {
  room?: string;
  to?: string;
  seq: number;
  id: string;
  from: string;
  fromKind?: "user" | "api_key";
  body: unknown;
  at: string;
  direct?: boolean;
}

export type ConnectionStateEvent =
  | { state: "connecting" }
  | { state: "connected" }
  | { state: "reconnecting"; attempt: number; delayMs: number; reason?: string }
  | { state: "resumed"; caughtUp: number }
  | { state: "closed"; code?: number; reason?: string };

export interface HistoryPage {
  messages: ParleyMessage[];
  more: boolean;
  head: number;
  first: number;
}

export class ParleyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ParleyClientOptions {
  url: string;
  token: string | (() => string | Promise<string>);
  webSocket?: typeof WebSocket;
  sendTimeoutMs?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  maxBufferedMessages?: number;
}

interface Events {
  message: (m: ParleyMessage) => void;
  typing: (e: { room: string; user: string }) => void;
  presence: (e: { room: string; user: string; online: boolean }) => void;
  state: (s: ConnectionStateEvent) => void;
  error: (e: ParleyError) => void;
}

const missing = () => new ParleyError("closed", "The Parley SDK is not part of this build.");

export class ParleyClient {
  readonly state: string = "closed";
  readonly user: string | undefined;
  readonly tenant: string | undefined;
  constructor(readonly options: ParleyClientOptions) {}
  connect(): Promise<void> { return Promise.reject(missing()); }
  close(): Promise<void> { return Promise.resolve(); }
  join(_room: string, _opts?: { since?: number }): Promise<{ room: string; seq: number; resumed: boolean }> { return Promise.reject(missing()); }
  leave(_room: string): Promise<void> { return Promise.reject(missing()); }
  send(_room: string, _body: unknown, _opts?: { id?: string }): Promise<{ seq: number; id: string; at: string; duplicate: boolean }> {
    return Promise.reject(missing());
  }
  sendDirect(_user: string, _body: unknown, _opts?: { id?: string }): Promise<{ id: string; seq?: number; at?: string; duplicate?: boolean }> {
    return Promise.reject(missing());
  }
  history(_room: string, _opts?: { before?: number; limit?: number }): Promise<HistoryPage> {
    return Promise.reject(missing());
  }
  directHistory(_opts?: { before?: number; limit?: number }): Promise<HistoryPage> {
    return Promise.reject(missing());
  }
  typing(_room: string): void {}
  presence(_room: string): Promise<string[]> { return Promise.reject(missing()); }
  on<K extends keyof Events>(_name: K, _handler: Events[K]): () => void { return () => {}; }
}
