import { useCallback, useEffect, useRef, useState } from "react";
import { ChatPage } from "../chat/ChatPage";
import { DashboardPage } from "../dashboard/DashboardPage";
import { fetchWebConfig, type WebConfig } from "../session/webConfig";
import { freshSession, loadSession, renewBeforeMs, signOut, type Session } from "../session/session";
import { SignInPage } from "../signin/SignInPage";
import { navigate, useRoute } from "./route";

export function App() {
  const route = useRoute();
  const [config, setConfig] = useState<WebConfig>();
  const [configError, setConfigError] = useState<string>();
  const [session, setSession] = useState<Session | undefined>(() => loadSession());
  const sessionRef = useRef(session);
  sessionRef.current = session;

  useEffect(() => {
    const ac = new AbortController();
    fetchWebConfig(ac.signal).then(setConfig, (e: unknown) => {
      if (!ac.signal.aborted) setConfigError(e instanceof Error ? e.message : String(e));
    });
    return () => ac.abort();
  }, []);

  // Signed out: only the sign-in page. Signed in: never the sign-in page.
  useEffect(() => {
    if (!session && route !== "sign-in") navigate("sign-in");
    else if (session && (route === "sign-in" || route === undefined)) navigate("chat");
    else if (session && route === "dashboard" && !session.operator) navigate("chat");
  }, [session, route]);

  // A token renewed ahead of its expiry, so that refresh tokens rotate while the tab is open.
  useEffect(() => {
    if (!session) return;
    const wait = Math.max(1000, session.expiresAt - Date.now() - renewBeforeMs + 1000);
    const t = setTimeout(() => {
      freshSession(session).then(setSession, () => setSession(undefined));
    }, wait);
    return () => clearTimeout(t);
  }, [session]);

  /** The SDK asks for a token before every (re)connect; it is always the current session's, renewed when close to expiry. */
  const token = useCallback(async () => {
    const s = sessionRef.current;
    if (!s) throw new Error("Signed out.");
    const fresh = await freshSession(s);
    if (fresh !== s) setSession(fresh);
    return fresh.token;
  }, []);

  const onSignOut = useCallback(() => {
    void signOut(sessionRef.current);
    setSession(undefined);
  }, []);

  if (configError) return <main className="centered"><p role="alert">Parley is not reachable: {configError}</p></main>;
  if (!config) return <main className="centered"><p>Loading…</p></main>;
  if (!session || route === "sign-in") return <SignInPage config={config} onSignedIn={setSession} />;

  return (
    <div className="shell">
      <header className="topbar">
        <strong className="brand">Parley</strong>
        <nav aria-label="Sections">
          <a href="#/chat" aria-current={route === "chat" ? "page" : undefined}>Chat</a>
          {session.operator && <a href="#/dashboard" aria-current={route === "dashboard" ? "page" : undefined}>Dashboard</a>}
        </nav>
        <span className="who" data-testid="signed-in-as">{session.user}@{session.tenant}</span>
        <button type="button" onClick={onSignOut}>Sign out</button>
      </header>
      {route === "dashboard" && session.operator
        ? <DashboardPage token={token} />
        : <ChatPage key={`${session.tenant}/${session.user}`} config={config} tenant={session.tenant} user={session.user} token={token} />}
    </div>
  );
}
