// Rates from the nodes' cumulative counters, between two polls of /api/v1/ops/overview.
//
// Counters are per node and only grow while that node lives. A node that restarted (a counter
// went down) counts from zero: its new value is what it did since. A node seen for the first time
// contributes nothing to this interval, because we do not know when its counting began; a node
// that left contributes nothing either. Time is the overview's own `at`, so a slow poll does not
// distort the figure.

export interface NodeCounters {
  id: string;
  messages_total: number;
  deliveries_total: number;
  slow_consumer_closes_total: number;
  limit_refusals_total: number;
}

export interface CounterSnapshot {
  /** Milliseconds since the epoch, from the overview's `at`. */
  at: number;
  nodes: readonly NodeCounters[];
}

export interface Rates {
  at: number;
  messagesPerSecond: number;
  deliveriesPerSecond: number;
  slowConsumerClosesPerSecond: number;
  limitRefusalsPerSecond: number;
}

type Counter = "messages_total" | "deliveries_total" | "slow_consumer_closes_total" | "limit_refusals_total";

/** The rates between two snapshots, or undefined when no time passed between them. */
export function ratesBetween(previous: CounterSnapshot, next: CounterSnapshot): Rates | undefined {
  const seconds = (next.at - previous.at) / 1000;
  if (!(seconds > 0)) return undefined;
  const before = new Map(previous.nodes.map((n) => [n.id, n]));
  const rate = (counter: Counter) => {
    let sum = 0;
    for (const n of next.nodes) {
      const p = before.get(n.id);
      if (!p) continue;
      const delta = n[counter] - p[counter];
      sum += delta >= 0 ? delta : n[counter];
    }
    return sum / seconds;
  };
  return {
    at: next.at,
    messagesPerSecond: rate("messages_total"),
    deliveriesPerSecond: rate("deliveries_total"),
    slowConsumerClosesPerSecond: rate("slow_consumer_closes_total"),
    limitRefusalsPerSecond: rate("limit_refusals_total"),
  };
}

/** Appends a point and forgets those older than `windowMs` before it. */
export function keepWindow(series: readonly Rates[], point: Rates, windowMs: number): Rates[] {
  const from = point.at - windowMs;
  const kept = series.filter((r) => r.at >= from && r.at < point.at);
  kept.push(point);
  return kept;
}
