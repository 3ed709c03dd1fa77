import { ParleyError } from "./errors.js";
import { clientErrorCodes } from "./errorCodes.js";
import type { TokenSource } from "./options.js";

/**
 * The token the client connects with: asked of the callback once, then reused until the node
 * closes with 4003 (stale), or until it is within the refresh margin of the expiry the node
 * reported. A fixed string is used as it is, forever.
 */
export class TokenCache {
  private readonly source: TokenSource;
  private readonly marginMs: number;
  private cached: string | undefined;
  private stale = false;
  private expires: number | undefined;

  constructor(source: TokenSource, marginMs: number) {
    this.source = source;
    this.marginMs = marginMs;
  }

  /** Whether a new token can be had at all (a callback, not a fixed string). */
  get renewable(): boolean {
    return typeof this.source === "function";
  }

  /** The connection's deadline as the node last reported it (ms since the epoch). */
  get expiresAt(): number | undefined {
    return this.expires;
  }

  /** The token for a connection attempt. */
  async forConnect(): Promise<string> {
    if (typeof this.source === "string") return this.source;
    const fresh = this.expires === undefined || this.expires - Date.now() > this.marginMs;
    if (this.cached !== undefined && !this.stale && fresh) return this.cached;
    const token = await this.fetch();
    this.cached = token;
    this.stale = false;
    this.expires = undefined;
    return token;
  }

  /** A new token from the callback; `token_unavailable` if it throws or returns none. */
  async fetch(): Promise<string> {
    const source = this.source;
    let token: unknown;
    try {
      token = typeof source === "string" ? source : await source();
    } catch (e) {
      throw new ParleyError(clientErrorCodes.tokenUnavailable, `The token callback failed: ${String(e)}`);
    }
    if (typeof token !== "string" || token.length === 0) {
      throw new ParleyError(clientErrorCodes.tokenUnavailable, "The token callback returned no token.");
    }
    return token;
  }

  /** The node closed with 4003: the next connection needs a new token. */
  markStale(): void {
    this.stale = true;
  }

  /** The node accepted the token (at `connected` or `refreshed`) until `expires` (ISO 8601, or absent). */
  accepted(expires: string | undefined, token?: string): void {
    if (token !== undefined) {
      this.cached = token;
      this.stale = false;
    }
    const at = expires ? Date.parse(expires) : Number.NaN;
    this.expires = Number.isNaN(at) ? undefined : at;
  }
}
