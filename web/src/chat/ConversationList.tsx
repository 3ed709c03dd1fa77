import { useState, type FormEvent } from "react";
import type { ChatStore } from "./chatStore";
import type { ChatView } from "./conversation";

const identifier = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

export function ConversationList({ view, store }: { view: ChatView; store: ChatStore }) {
  const [room, setRoom] = useState("");
  const [peer, setPeer] = useState("");

  function joinRoom(e: FormEvent) {
    e.preventDefault();
    const name = room.trim();
    if (!identifier.test(name)) return;
    setRoom("");
    void store.joinRoom(name);
  }

  function openDirect(e: FormEvent) {
    e.preventDefault();
    const name = peer.trim();
    if (!identifier.test(name) || name === view.me) return;
    setPeer("");
    store.openDirect(name);
  }

  return (
    <nav className="sidebar" aria-label="Conversations">
      <form onSubmit={joinRoom} className="inline-form">
        <label htmlFor="join-room">Join a room</label>
        <div className="row">
          <input id="join-room" value={room} onChange={(e) => setRoom(e.target.value)} placeholder="general" pattern="[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}" data-testid="join-room-input" />
          <button type="submit" data-testid="join-room-button">Join</button>
        </div>
      </form>
      <form onSubmit={openDirect} className="inline-form">
        <label htmlFor="direct-user">Message a user</label>
        <div className="row">
          <input id="direct-user" value={peer} onChange={(e) => setPeer(e.target.value)} placeholder="bob" pattern="[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}" data-testid="direct-user-input" />
          <button type="submit" data-testid="direct-user-button">Open</button>
        </div>
      </form>
      <ul className="conversations" data-testid="room-list">
        {view.order.map((key) => {
          const c = view.conversations[key];
          if (!c) return null;
          const unread = c.mark.unread;
          return (
            <li key={key}>
              <button
                type="button"
                className={key === view.active ? "conv active" : "conv"}
                aria-current={key === view.active ? "true" : undefined}
                onClick={() => store.open(key)}
                data-testid="room-entry"
                data-room={c.kind === "room" ? c.name : undefined}
                data-user={c.kind === "direct" ? c.name : undefined}
                data-unread={unread}
              >
                <span className="conv-name">{c.kind === "room" ? `# ${c.name}` : `@ ${c.name}`}</span>
                {unread > 0 && <span className="unread" aria-label={`${unread} unread`} data-testid="unread-count">{unread}</span>}
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
