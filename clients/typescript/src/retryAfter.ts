/** The longest wait a `Retry-After` is believed for; a larger value is a misconfiguration, not a plan. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Reads an HTTP `Retry-After` value, in delta-seconds (what Parley sends) or as an HTTP date,
 * into milliseconds from `now`. Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) {
    return undefined;
  }
  if (/^\d+$/.test(text)) {
    return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  }
  const date = Date.parse(text);
  if (Number.isNaN(date)) {
    return undefined;
  }
  return Math.min(Math.max(date - now, 0), MAX_RETRY_AFTER_MS);
}
