import { beforeEach, describe, expect, it, vi } from "vitest";
import { authSignIn, freshSession, renewAt, type Session } from "../src/session/session";

// A JWT whose claims the app reads (it never verifies one: the node does).
const jwt = (claims: object) => `e30.${btoa(JSON.stringify(claims)).replace(/=+$/, "")}.sig`;

let refreshes: string[] = [];
let next = 0;

beforeEach(() => {
  refreshes = [];
  next = 0;
  const storage = new Map<string, string>();
  vi.stubGlobal("sessionStorage", {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => void storage.set(k, v),
    removeItem: (k: string) => void storage.delete(k),
  });
  vi.stubGlobal("fetch", async (url: string, init: { body: string }) => {
    const body = JSON.parse(init.body) as { refresh_token?: string };
    if (url.endsWith("/refresh")) refreshes.push(body.refresh_token ?? "");
    await new Promise((r) => setTimeout(r, 5));
    next += 1;
    return new Response(
      JSON.stringify({ access_token: jwt({ tenant: "acme", sub: "alice" }), token_type: "Bearer", expires_in: 900, refresh_token: `r${next}` }),
      { status: 200, headers: { "content-type": "application/json" } },
    );
  });
});

describe("a session from the auth service", () => {
  it("takes tenant and user from the token and renews a minute before expiry", async () => {
    const s = await authSignIn("/auth", "acme", "alice", "pw");
    expect(s).toMatchObject({ source: "auth", tenant: "acme", user: "alice", refreshToken: "r1" });
    expect(renewAt(s)).toBe(s.expiresAt - 60_000);
    expect(await freshSession(s, s.expiresAt - 61_000)).toBe(s);
    expect(refreshes).toEqual([]);
  });

  it("renews a short-lived token half-way through its life, not over and over", () => {
    const s: Session = { source: "auth", tenant: "acme", user: "alice", operator: false, token: "t", obtainedAt: 0, expiresAt: 30_000 };
    expect(renewAt(s)).toBe(15_000);
  });

  it("uses each refresh token once, however many callers ask at the same time", async () => {
    const s = await authSignIn("/auth", "acme", "alice", "pw");
    const due = s.expiresAt - 1000;
    const [a, b] = await Promise.all([freshSession(s, due), freshSession(s, due)]);
    expect(a).toBe(b);
    expect(refreshes).toEqual(["r1"]);

    // A caller still holding the old session renews from the newest one, never with a used token.
    const c = await freshSession(s, a.expiresAt - 1000);
    expect(refreshes).toEqual(["r1", "r2"]);
    expect(c.refreshToken).toBe("r3");
  });
});
