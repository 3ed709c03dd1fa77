// GET /api/v1/ops/overview (operator scope), polled by the dashboard every second.

import { getJson } from "../session/http";
import type { NodeCounters } from "./rates";

export interface OverviewNode extends NodeCounters {
  mode: string;
  connections: number;
  draining: boolean;
  last_heartbeat: string;
}

export interface Overview {
  at: string;
  nodes: OverviewNode[];
  connections_per_tenant: Record<string, number>;
  store: { healthy: boolean };
  broker: { healthy: boolean };
}

export function fetchOverview(token: string, signal?: AbortSignal): Promise<Overview> {
  return getJson<Overview>("api/v1/ops/overview", token, signal);
}
