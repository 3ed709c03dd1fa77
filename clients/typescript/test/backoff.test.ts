import { describe, expect, it } from "vitest";
import { Backoff } from "../src/backoff.js";

describe("Backoff", () => {
  it("draws every delay below a ceiling that doubles from the initial value up to the maximum", () => {
    const backoff = new Backoff(100, 1000, () => 0.999999);
    const delays = Array.from({ length: 8 }, () => backoff.next());
    expect(delays).toEqual([99, 199, 399, 799, 999, 999, 999, 999]);
  });

  it("spreads delays over the whole interval from zero (full jitter)", () => {
    const draws = [0, 0.5, 0.25];
    const backoff = new Backoff(200, 10_000, () => draws.shift() ?? 0);
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([0, 200, 200]);
  });

  it("keeps random delays within [0, ceiling) for many attempts", () => {
    const backoff = new Backoff(250, 30_000);
    for (let i = 0; i < 200; i++) {
      const ceiling = backoff.ceilingMs;
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(ceiling);
      expect(ceiling).toBeLessThanOrEqual(30_000);
    }
  });

  it("starts again from the initial ceiling after a reset", () => {
    const backoff = new Backoff(100, 1000, () => 0.5);
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.ceilingMs).toBe(100);
  });
});
