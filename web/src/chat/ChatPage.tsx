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
  const [store] = useState(() => new ChatStore({ url: webSocketUrl(config), tenant, user, token }));
  useEffect(() => {
    void store.start();
    return () => void store.dispose();
  }, [store]);
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
