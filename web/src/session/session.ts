// Who is signed in, and a fresh access token for them.
//
// Two ways in: the auth service (login, refresh before expiry, logout) when the node names one, or
// the node's development sign-in in embedded mode. The session lives in sessionStorage: it survives
// a reload of this tab and ends with it, and a refresh token is never kept beyond the tab.

import { getJson, postJson } from "./http";

export interface Session {
  /** dev: the node's development sign-in; auth: the auth service; token: a token pasted in (not renewable). */
  source: "dev" | "auth" | "token";
  tenant: string;
  user: string;
  operator: boolean;
  token: string;
  /** Milliseconds since the epoch at which `token` expires. */
  expiresAt: number;
  /** The auth service's refresh token (source "auth"). */
  refreshToken?: string;
  /** The auth service's base URL (source "auth"). */
  authUrl?: string;
}

interface DevSignInReply {
  token: string;
  expires_at: string;
  tenant: string;
  user: string;
}

interface TokenReply {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
}

const storageKey = "parley.session";

/** A token this close to its expiry is renewed before it is handed out. */
export const renewBeforeMs = 60_000;

export function loadSession(): Session | undefined {
  const raw = sessionStorage.getItem(storageKey);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    sessionStorage.removeItem(storageKey);
    return undefined;
  }
}

function save(s: Session | undefined): void {
  if (s) sessionStorage.setItem(storageKey, JSON.stringify(s));
  else sessionStorage.removeItem(storageKey);
}

export async function devSignIn(tenant: string, user: string, operator: boolean): Promise<Session> {
  const r = await postJson<DevSignInReply>("api/v1/dev/sign-in", { tenant, user, operator });
  const s: Session = { source: "dev", tenant: r.tenant, user: r.user, operator, token: r.token, expiresAt: Date.parse(r.expires_at) };
  save(s);
  return s;
}

/**
 * Signs in with an access token obtained elsewhere, e.g. an operator's token from `parley token
 * --scopes operator`: the way to the dashboard where no auth service grants that scope. The token
 * is not checked here (the node checks it on every use) and cannot be renewed.
 */
export function tokenSignIn(token: string): Session {
  const claims = decodeClaims(token);
  const exp = typeof claims.exp === "number" ? claims.exp * 1000 : Number.NaN;
  if (typeof claims.tenant !== "string" || typeof claims.sub !== "string" || !Number.isFinite(exp)) {
    throw new Error("This is not a Parley access token (it needs tenant, sub and exp claims).");
  }
  if (exp <= Date.now()) throw new Error("This token has expired.");
  const scopes = typeof claims.scope === "string" ? claims.scope.split(" ") : [];
  const s: Session = { source: "token", tenant: claims.tenant, user: claims.sub, operator: scopes.includes("operator"), token, expiresAt: exp };
  save(s);
  return s;
}

export async function authSignIn(authUrl: string, tenant: string, user: string, password: string): Promise<Session> {
  const r = await postJson<TokenReply>(join(authUrl, "api/v1/auth/login"), { tenant, user, password });
  const s = fromTokenReply(authUrl, r);
  save(s);
  return s;
}

/** Ends the session; with the auth service, revokes the refresh token's family too. */
export async function signOut(s: Session | undefined): Promise<void> {
  save(undefined);
  if (s?.source === "auth" && s.authUrl && s.refreshToken) {
    try {
      await postJson<void>(join(s.authUrl, "api/v1/auth/logout"), { refresh_token: s.refreshToken });
    } catch {
      // The local session is gone either way; an unreachable auth service expires the family itself.
    }
  }
}

/**
 * The session with a token valid for at least `renewBeforeMs`, renewed when needed: the auth
 * service's refresh (rotating the refresh token), or the development sign-in again.
 */
export async function freshSession(s: Session, now = Date.now()): Promise<Session> {
  if (s.expiresAt - now > renewBeforeMs) return s;
  if (s.source === "dev") return devSignIn(s.tenant, s.user, s.operator);
  if (s.source === "token") {
    if (s.expiresAt > now) return s;
    throw new Error("The token has expired; sign in again.");
  }
  if (!s.authUrl || !s.refreshToken) throw new Error("The session cannot be renewed; sign in again.");
  const r = await postJson<TokenReply>(join(s.authUrl, "api/v1/auth/refresh"), { refresh_token: s.refreshToken });
  const next = fromTokenReply(s.authUrl, r);
  save(next);
  return next;
}

export async function whoAmI(s: Session): Promise<unknown> {
  return s.authUrl ? getJson(join(s.authUrl, "api/v1/auth/me"), s.token) : undefined;
}

function fromTokenReply(authUrl: string, r: TokenReply): Session {
  const claims = decodeClaims(r.access_token);
  const scopes = typeof claims.scope === "string" ? claims.scope.split(" ") : [];
  return {
    source: "auth",
    tenant: String(claims.tenant ?? ""),
    user: String(claims.sub ?? ""),
    operator: scopes.includes("operator"),
    token: r.access_token,
    expiresAt: Date.now() + r.expires_in * 1000,
    refreshToken: r.refresh_token,
    authUrl,
  };
}

/** The claims of a JWT, read without verifying it: only for showing who is signed in. */
export function decodeClaims(jwt: string): Record<string, unknown> {
  const part = jwt.split(".")[1] ?? "";
  const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  try {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path}`;
}
