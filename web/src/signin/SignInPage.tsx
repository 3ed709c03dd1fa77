import { useState, type FormEvent } from "react";
import { HttpError } from "../session/http";
import { authSignIn, devSignIn, tokenSignIn, type Session } from "../session/session";
import type { WebConfig } from "../session/webConfig";

export function SignInPage({ config, onSignedIn }: { config: WebConfig; onSignedIn: (s: Session) => void }) {
  const [tenant, setTenant] = useState("");
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [operator, setOperator] = useState(false);
  const [pasted, setPasted] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const viaAuth = config.auth_url !== null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const s = viaAuth
        ? await authSignIn(config.auth_url as string, tenant.trim(), user.trim(), password)
        : await devSignIn(tenant.trim(), user.trim(), operator);
      onSignedIn(s);
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  }

  function submitToken(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      onSignedIn(tokenSignIn(pasted.trim()));
    } catch (err) {
      setError(describe(err));
    }
  }

  const tokenForm = (
    <details className="card signin" open={!viaAuth && !config.dev_sign_in}>
      <summary>Sign in with an access token</summary>
      <form onSubmit={submitToken} className="signin" data-testid="token-sign-in-form">
        <label>
          Access token
          <textarea name="token" rows={3} value={pasted} onChange={(e) => setPasted(e.target.value)} required spellCheck={false} data-testid="token-input" />
        </label>
        <p className="hint">For example an operator's token from <code>parley token --scopes operator</code>. It is used until it expires.</p>
        <button type="submit">Use this token</button>
      </form>
    </details>
  );

  if (!viaAuth && !config.dev_sign_in) {
    return (
      <main className="centered">
        <div className="stack">
          <p className="card">This node offers no password sign-in: configure an auth service (docs/auth-service.md) or use a token.</p>
          {error && <p role="alert" className="error" data-testid="sign-in-error">{error}</p>}
          {tokenForm}
        </div>
      </main>
    );
  }

  return (
    <main className="centered">
      <div className="stack">
      <form className="card signin" onSubmit={submit} data-testid="sign-in-form">
        <h1>Sign in to Parley</h1>
        {!viaAuth && <p className="hint">Development sign-in: this node mints tokens with its development key.</p>}
        <label>
          Tenant
          <input name="tenant" value={tenant} onChange={(e) => setTenant(e.target.value)} required autoComplete="organization" autoFocus />
        </label>
        <label>
          User name
          <input name="user" value={user} onChange={(e) => setUser(e.target.value)} required autoComplete="username" />
        </label>
        {viaAuth ? (
          <label>
            Password
            <input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="current-password" />
          </label>
        ) : (
          <label className="check">
            <input name="operator" type="checkbox" checked={operator} onChange={(e) => setOperator(e.target.checked)} />
            Operator (opens the dashboard)
          </label>
        )}
        {error && <p role="alert" className="error" data-testid="sign-in-error">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
      {tokenForm}
      </div>
    </main>
  );
}

function describe(err: unknown): string {
  if (err instanceof HttpError) {
    if (err.code === "invalid_credentials") return "Wrong tenant, user name or password.";
    if (err.code === "rate_limited") return "Too many attempts; wait a minute and try again.";
    return `${err.message} (${err.code})`;
  }
  return err instanceof Error ? err.message : String(err);
}
