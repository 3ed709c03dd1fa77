// The one module of the app that imports the SDK: everything else takes its types from here.
export { ParleyClient, ParleyError } from "@parley/client";
export type { ConnectionStateEvent, ParleyMessage } from "@parley/client";
