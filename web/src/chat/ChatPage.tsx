import { useEffect, useState, useSyncExternalStore } from "react";
import { webSocketUrl, type WebConfig } from "../session/webConfig";
import { ChatStore } from "./chatStore";
import { ConnectionBanner } from "./ConnectionBanner";
import { ConversationList } from "./ConversationList";
import { ConversationView } from "./ConversationView";

interface Props {
  config: WebConfig;
  tenant: string;
  user: string;
  token: () => Promise<string>;
}

export function ChatPage({ config, tenant, user, token }: Props) {
  // One store (and connection) per mounted page, created in the effect so that a remount
  // (React's strict mode does one in development) never reuses a disposed store.
  const [store, setStore] = useState<ChatStore>();
  useEffect(() => {
    const s = new ChatStore({ url: webSocketUrl(config), tenant, user, token });
    setStore(s);
    void s.start();
    return () => void s.dispose();
  }, [config, tenant, user, token]);
  return store ? <Chat store={store} /> : null;
}

function Chat({ store }: { store: ChatStore }) {
  const view = useSyncExternalStore(store.subscribe, store.snapshot);
  const active = view.active ? view.conversations[view.active] : undefined;

  return (
    <div className="chat">
      <ConnectionBanner banner={view.banner} />
      <ConversationList view={view} store={store} />
      {active ? (
        <ConversationView key={active.key} conversation={active} me={view.me} store={store} />
      ) : (
        <main className="conversation empty"><p>Join a room or start a direct conversation.</p></main>
      )}
    </div>
  );
}
