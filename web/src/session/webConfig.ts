// GET /api/v1/web/config: what the node tells the app about signing in.

export interface WebConfig {
  mode: "embedded" | "cluster";
  node: string;
  dev_sign_in: boolean;
  /** The auth service's base URL as the browser reaches it, or null without an auth service. */
  auth_url: string | null;
  ws_path: string;
}

export async function fetchWebConfig(signal?: AbortSignal): Promise<WebConfig> {
  const res = await fetch("api/v1/web/config", { signal, headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`The node answered ${res.status} for its web configuration.`);
  return (await res.json()) as WebConfig;
}

/** The WebSocket URL of the node that served this page. */
export function webSocketUrl(config: WebConfig, location: Location = window.location): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${config.ws_path}`;
}
