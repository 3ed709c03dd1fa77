import type { Banner } from "./conversation";

export function ConnectionBanner({ banner }: { banner: Banner }) {
  if (banner.kind === "none") return null;
  let text: string;
  switch (banner.kind) {
    case "connecting":
      text = "Connecting…";
      break;
    case "reconnecting":
      text = `Reconnecting… (attempt ${banner.attempt})`;
      break;
    case "back":
      text = banner.caughtUp === 1 ? "Back: 1 message caught up." : `Back: ${banner.caughtUp} messages caught up.`;
      break;
    case "closed":
      text = `Disconnected${banner.reason ? `: ${banner.reason}` : "."}${banner.code ? ` (${banner.code})` : ""}`;
      break;
  }
  return (
    <div className={`banner banner-${banner.kind}`} role="status" aria-live="polite" data-testid="connection-banner" data-state={banner.kind}>
      {text}
      {banner.kind === "closed" && (
        // The SDK does not reconnect after a terminal close (4500 and above, or close()); a reload starts afresh.
        <button type="button" className="banner-action" onClick={() => window.location.reload()}>Reconnect</button>
      )}
    </div>
  );
}
