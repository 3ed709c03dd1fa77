/** Within this much of the expiry a refresh is not attempted: the node closes with 4003 and the reconnect fetches a new token. */
export const TOO_LATE_TO_REFRESH_MS = 2000;

/**
 * The wait before refreshing a token that expires at `expiresAt`: until `marginMs` before it, or
 * half the remaining life when that is already shorter than the margin (a short-lived token is then
 * refreshed once per half-life, not in a tight loop). Undefined when too late to bother.
 */
export function delayBeforeRefresh(expiresAt: number, now: number, marginMs: number): number | undefined {
  const remaining = expiresAt - now;
  if (remaining <= TOO_LATE_TO_REFRESH_MS) {
    return undefined;
  }
  const beforeMargin = remaining - marginMs;
  return beforeMargin >= 0 ? beforeMargin : Math.floor(remaining / 2);
}
