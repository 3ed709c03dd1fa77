/**
 * A new message id: 32 hex digits, the first 12 the current time in ms, the rest random, like a
 * UUIDv7 without dashes. Time-ordered ids keep the node's idempotency index append-mostly.
 * Uses crypto.getRandomValues, which browsers offer in insecure contexts too (randomUUID they do not).
 */
export function newMessageId(now: number = Date.now()): string {
  const random = new Uint8Array(10);
  const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (crypto?.getRandomValues) {
    crypto.getRandomValues(random);
  } else {
    for (let i = 0; i < random.length; i++) random[i] = Math.floor(Math.random() * 256);
  }
  let hex = Math.floor(now).toString(16).padStart(12, "0").slice(-12);
  for (const byte of random) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
