import { describe, expect, it } from "vitest";
import { closeCodeName, isTerminalClose } from "../src/closeCodes.js";
import { delayBeforeRefresh } from "../src/refreshSchedule.js";
import { parseRetryAfter } from "../src/retryAfter.js";

describe("reconnect decisions", () => {
  it("reconnects after 4000–4499 and network closes, and stops at 4500–4999", () => {
    expect([4000, 4001, 4003, 4005, 4499, 1006, 1001, 1011].map(isTerminalClose)).toEqual([false, false, false, false, false, false, false, false]);
    expect([4500, 4502, 4506, 4999].map(isTerminalClose)).toEqual([true, true, true, true]);
    expect(closeCodeName(4003)).toBe("token_expired");
    expect(closeCodeName(1006)).toBeUndefined();
  });
});

describe("Retry-After", () => {
  it("reads delta-seconds and HTTP dates into milliseconds", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter(["7"], now)).toBe(7000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:05 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe("token refresh schedule", () => {
  it("refreshes the margin before expiry, at half-life when the token is shorter-lived, and not at all in the last two seconds", () => {
    expect(delayBeforeRefresh(600_000, 0, 60_000)).toBe(540_000);
    expect(delayBeforeRefresh(40_000, 0, 60_000)).toBe(20_000);
    expect(delayBeforeRefresh(2000, 0, 60_000)).toBeUndefined();
  });
});
