import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from "react";
import type { ChatStore } from "./chatStore";
import { bodyText, type Conversation } from "./conversation";
import { entries } from "./timeline";

interface Props {
  conversation: Conversation;
  me: string;
  store: ChatStore;
}

export function ConversationView({ conversation: c, me, store }: Props) {
  return (
    <>
      <main className="conversation" aria-label={c.kind === "room" ? `Room ${c.name}` : `Conversation with ${c.name}`}>
        <header className="conversation-head">
          <h2>{c.kind === "room" ? `# ${c.name}` : `@ ${c.name}`}</h2>
          {c.kind === "room" && (
            <button type="button" onClick={() => void store.leaveRoom(c.name)}>Leave</button>
          )}
        </header>
        {c.error && <p role="alert" className="error">{c.error}</p>}
        <MessageList c={c} me={me} store={store} />
        <TypingIndicator typing={c.typing} />
        <Composer c={c} store={store} />
      </main>
      {c.kind === "room" && <PresenceList users={c.presence} me={me} />}
    </>
  );
}

function MessageList({ c, me, store }: { c: Conversation; me: string; store: ChatStore }) {
  const list = useRef<HTMLOListElement>(null);
  const stickToBottom = useRef(true);
  const heightBeforeOlder = useRef<number | undefined>(undefined);
  const all = entries(c.timeline);

  // Keep the view at the newest message while the user is there; after an older page arrives,
  // keep the message the user was looking at in place.
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    if (heightBeforeOlder.current !== undefined && !c.loadingOlder) {
      el.scrollTop += el.scrollHeight - heightBeforeOlder.current;
      heightBeforeOlder.current = undefined;
    } else if (stickToBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [all.length, c.loadingOlder]);

  function onScroll() {
    const el = list.current;
    if (!el) return;
    stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 80 && c.kind === "room" && c.more && !c.loadingOlder) {
      heightBeforeOlder.current = el.scrollHeight;
      void store.loadOlder(c.name);
    }
  }

  return (
    <ol className="messages" ref={list} onScroll={onScroll} tabIndex={0} aria-label="Messages" aria-live="polite" data-testid="message-list">
      {c.kind === "room" && (
        <li className="history-edge" data-testid="history-edge">
          {c.loadingOlder ? "Loading older messages…" : c.more ? (
            <button type="button" onClick={() => { heightBeforeOlder.current = list.current?.scrollHeight; void store.loadOlder(c.name); }}>Load older messages</button>
          ) : "Start of the conversation."}
        </li>
      )}
      {all.map((m) => {
        const mine = m.from === me;
        return (
          <li
            key={m.seq !== undefined ? `s${m.seq}` : `p${m.id}`}
            className={`message ${mine ? "mine" : ""} ${m.delivery}`}
            data-testid="message"
            data-seq={m.seq}
            data-id={m.id}
            data-from={m.from}
            data-delivery={m.delivery}
          >
            <span className="from">{m.from}</span>
            {m.at ? <time dateTime={m.at} title={m.at}>{clock(m.at)}</time> : <span />}
            <span className="text">{bodyText(m.body)}</span>
            {mine && (
              <span className="delivery" data-testid="delivery">
                {m.delivery === "sending" ? "sending…" : m.delivery === "acked" ? "✓" : `failed (${m.error ?? "error"})`}
                {m.delivery === "failed" && (
                  <button type="button" onClick={() => void store.retry(c.key, m.id)} data-testid="retry">Retry</button>
                )}
              </span>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function TypingIndicator({ typing }: { typing: Readonly<Record<string, number>> }) {
  const users = Object.keys(typing).sort();
  const text = users.length === 0 ? "" : users.length === 1 ? `${users[0]} is typing…` : `${users.join(", ")} are typing…`;
  return <div className="typing" aria-live="polite" data-testid="typing-indicator" data-users={users.join(",")}>{text}</div>;
}

function Composer({ c, store }: { c: Conversation; store: ChatStore }) {
  const [text, setText] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => input.current?.focus(), [c.key]);

  function send() {
    if (text.trim() === "") return;
    void store.send(c.key, text);
    setText("");
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends; Shift+Enter starts a new line; nothing while an input method is composing.
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  }

  return (
    <form className="composer" onSubmit={(e) => { e.preventDefault(); send(); }} data-testid="composer">
      <label htmlFor="composer-text" className="visually-hidden">Message {c.kind === "room" ? `#${c.name}` : c.name}</label>
      <textarea
        id="composer-text"
        ref={input}
        rows={1}
        value={text}
        onChange={(e) => { setText(e.target.value); store.typing(c.key); }}
        onKeyDown={onKeyDown}
        placeholder="Write a message; Enter sends"
        data-testid="composer-input"
      />
      <button type="submit" data-testid="composer-send">Send</button>
    </form>
  );
}

function PresenceList({ users, me }: { users: readonly string[]; me: string }) {
  return (
    <aside className="presence" aria-label="Present in this room">
      <h3>Here now</h3>
      <ul data-testid="presence-list">
        {users.map((u) => (
          <li key={u} data-testid="presence-user" data-user={u}>{u}{u === me ? " (you)" : ""}</li>
        ))}
      </ul>
    </aside>
  );
}

/** Hours and minutes in the reader's own time zone. */
function clock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
