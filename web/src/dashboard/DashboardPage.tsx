import { useEffect, useRef, useState } from "react";
import { HttpError } from "../session/http";
import { fetchOverview, type Overview } from "./overview";
import { RateChart } from "./RateChart";
import { keepWindow, ratesBetween, type CounterSnapshot, type Rates } from "./rates";

/** The overview is polled this often; rates are computed between consecutive polls. */
export const pollEveryMs = 1000;
/** The chart shows this much history. */
export const windowMs = 5 * 60 * 1000;

export function DashboardPage({ token }: { token: () => Promise<string> }) {
  const [overview, setOverview] = useState<Overview>();
  const [series, setSeries] = useState<Rates[]>([]);
  const [error, setError] = useState<string>();
  const previous = useRef<CounterSnapshot | undefined>(undefined);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ac = new AbortController();
    async function poll() {
      try {
        const o = await fetchOverview(await token(), ac.signal);
        if (stopped) return;
        const snapshot: CounterSnapshot = { at: Date.parse(o.at), nodes: o.nodes };
        const r = previous.current && ratesBetween(previous.current, snapshot);
        previous.current = snapshot;
        if (r) setSeries((s) => keepWindow(s, r, windowMs));
        setOverview(o);
        setError(undefined);
      } catch (e) {
        if (stopped) return;
        setError(e instanceof HttpError && e.status === 403 ? "This account lacks the operator scope." : e instanceof Error ? e.message : String(e));
      }
      if (!stopped) timer = setTimeout(poll, pollEveryMs);
    }
    void poll();
    return () => {
      stopped = true;
      ac.abort();
      clearTimeout(timer);
    };
  }, [token]);

  const latest = series[series.length - 1];
  const tenants = overview ? Object.entries(overview.connections_per_tenant).sort(([a], [b]) => a.localeCompare(b)) : [];
  const sum = (f: (n: Overview["nodes"][number]) => number) => overview?.nodes.reduce((t, n) => t + f(n), 0) ?? 0;

  return (
    <main className="dashboard" aria-label="Operations dashboard">
      {error && <p role="alert" className="error" data-testid="dashboard-error">{error}</p>}
      <section className="figures" aria-label="Current figures">
        <Figure label="messages/s" value={latest ? latest.messagesPerSecond.toFixed(1) : "–"} testId="rate-messages" />
        <Figure label="deliveries/s" value={latest ? latest.deliveriesPerSecond.toFixed(1) : "–"} testId="rate-deliveries" />
        <Figure label="slow-consumer closes" value={String(sum((n) => n.slow_consumer_closes_total))} testId="slow-consumer-closes" />
        <Figure label="limit refusals" value={String(sum((n) => n.limit_refusals_total))} testId="limit-refusals" />
        <Figure label="store" value={overview ? (overview.store.healthy ? "healthy" : "unhealthy") : "–"} testId="store-health" bad={overview && !overview.store.healthy} />
        <Figure label="broker" value={overview ? (overview.broker.healthy ? "healthy" : "unhealthy") : "–"} testId="broker-health" bad={overview && !overview.broker.healthy} />
      </section>
      <section aria-labelledby="rates-title">
        <h2 id="rates-title">Throughput, last {windowMs / 60000} minutes</h2>
        <RateChart series={series} />
      </section>
      <section aria-labelledby="nodes-title">
        <h2 id="nodes-title">Nodes</h2>
        <div className="table-scroll">
          <table data-testid="node-table">
            <thead>
              <tr><th scope="col">Node</th><th scope="col">Mode</th><th scope="col">Connections</th><th scope="col">Draining</th><th scope="col">Last heartbeat</th></tr>
            </thead>
            <tbody>
              {overview?.nodes.map((n) => (
                <tr key={n.id} data-testid="node-row" data-node-id={n.id}>
                  <td>{n.id}</td>
                  <td>{n.mode}</td>
                  <td data-testid="node-connections">{n.connections}</td>
                  <td>{n.draining ? "yes" : "no"}</td>
                  <td><time dateTime={n.last_heartbeat}>{ago(n.last_heartbeat, overview.at)}</time></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="tenants-title">
        <h2 id="tenants-title">Connections per tenant</h2>
        <table data-testid="tenant-table">
          <thead><tr><th scope="col">Tenant</th><th scope="col">Connections</th></tr></thead>
          <tbody>
            {tenants.map(([t, n]) => (
              <tr key={t} data-testid="tenant-row" data-tenant={t}><td>{t}</td><td>{n}</td></tr>
            ))}
          </tbody>
        </table>
      </section>
    </main>
  );
}

function Figure({ label, value, testId, bad }: { label: string; value: string; testId: string; bad?: boolean }) {
  return (
    <div className={bad ? "figure bad" : "figure"}>
      <span className="figure-value" data-testid={testId}>{value}</span>
      <span className="figure-label">{label}</span>
    </div>
  );
}

function ago(when: string, now: string): string {
  const s = Math.max(0, Math.round((Date.parse(now) - Date.parse(when)) / 1000));
  return Number.isFinite(s) ? `${s} s ago` : when;
}
