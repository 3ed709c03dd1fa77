// Hash routing: the node serves one index.html and needs no fallback for deep links.

import { useEffect, useState } from "react";

export type Route = "sign-in" | "chat" | "dashboard";

export function parseRoute(hash: string): Route | undefined {
  const path = hash.replace(/^#\/?/, "").split(/[?/]/)[0];
  return path === "sign-in" || path === "chat" || path === "dashboard" ? path : undefined;
}

export function navigate(route: Route): void {
  if (parseRoute(window.location.hash) !== route) window.location.hash = `#/${route}`;
}

export function useRoute(): Route | undefined {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return route;
}
