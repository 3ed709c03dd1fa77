export { ParleyClient, type HistoryOptions, type SendOptions } from "./client.js";
export type { ConnectionStateEvent, ConnectionStateName } from "./connectionState.js";
export { ParleyError } from "./errors.js";
export { errorCodes, clientErrorCodes, isRetryableError, type ErrorCode } from "./errorCodes.js";
export { closeCodes, closeCodeName, isTerminalClose, type CloseCode } from "./closeCodes.js";
export type { ParleyEvents, ParleyEventName } from "./events.js";
export type {
  ParleyMessage,
  TypingEvent,
  SignalEvent,
  PresenceEvent,
  JoinResult,
  HistoryPage,
  SendResult,
  DirectSendResult,
} from "./messages.js";
export type { ParleyClientOptions, BackoffOptions, TokenSource, WebSocketConstructor } from "./options.js";
