import { describe, expect, it } from "vitest";
import { keepWindow, ratesBetween, type CounterSnapshot, type NodeCounters } from "../src/dashboard/rates";

const node = (id: string, messages: number, deliveries: number, slow = 0, refused = 0): NodeCounters => ({
  id,
  messages_total: messages,
  deliveries_total: deliveries,
  slow_consumer_closes_total: slow,
  limit_refusals_total: refused,
});
const at = (s: number, ...nodes: NodeCounters[]): CounterSnapshot => ({ at: s * 1000, nodes });

describe("rates from cumulative counters", () => {
  it("divide the growth of every node's counters by the time between the overviews", () => {
    const r = ratesBetween(at(10, node("a", 100, 300), node("b", 50, 50)), at(12, node("a", 120, 360), node("b", 60, 70, 2, 4)));
    expect(r).toEqual({ at: 12000, messagesPerSecond: 15, deliveriesPerSecond: 40, slowConsumerClosesPerSecond: 1, limitRefusalsPerSecond: 2 });
  });

  it("count a restarted node's counters from zero", () => {
    const r = ratesBetween(at(10, node("a", 1000, 1000)), at(11, node("a", 5, 7)));
    expect(r?.messagesPerSecond).toBe(5);
    expect(r?.deliveriesPerSecond).toBe(7);
  });

  it("leave out a node seen for the first time, and a node that left", () => {
    const r = ratesBetween(at(10, node("a", 10, 10), node("gone", 99, 99)), at(11, node("a", 12, 13), node("new", 5000, 5000)));
    expect(r?.messagesPerSecond).toBe(2);
    expect(r?.deliveriesPerSecond).toBe(3);
  });

  it("give no rate when no time passed", () => {
    expect(ratesBetween(at(10, node("a", 1, 1)), at(10, node("a", 5, 5)))).toBeUndefined();
    expect(ratesBetween(at(10, node("a", 1, 1)), at(9, node("a", 5, 5)))).toBeUndefined();
  });

  it("keep only the points of the window", () => {
    const point = (s: number) => ({ at: s * 1000, messagesPerSecond: s, deliveriesPerSecond: 0, slowConsumerClosesPerSecond: 0, limitRefusalsPerSecond: 0 });
    let series = [point(1), point(2), point(3)];
    series = keepWindow(series, point(5), 3000);
    expect(series.map((p) => p.at / 1000)).toEqual([2, 3, 5]);
  });
});
