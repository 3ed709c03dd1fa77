// Unread counts per conversation. A message counts as unread when it is newer than what the user
// has read there, was written by someone else, and arrived while another conversation was open.
// Repeats (a replay after a reconnect, a history page) never count twice: a conversation remembers
// the newest sequence it has counted.

export interface ReadMark {
  /** The newest sequence the user has seen in this conversation. */
  read: number;
  /** The newest sequence counted so far, read or not. */
  latest: number;
  unread: number;
}

export const unseen: ReadMark = { read: 0, latest: 0, unread: 0 };

/** Start of a conversation: everything up to `head` (the room head at join) is taken as read. */
export function startAt(head: number): ReadMark {
  return { read: head, latest: head, unread: 0 };
}

export function countMessage(mark: ReadMark, seq: number, from: string, me: string, open: boolean): ReadMark {
  if (seq <= mark.latest) return mark;
  if (open || from === me) return { read: seq, latest: seq, unread: 0 };
  return { read: mark.read, latest: seq, unread: mark.unread + 1 };
}

/** The user opened the conversation and saw everything in it. */
export function markRead(mark: ReadMark): ReadMark {
  return mark.unread === 0 && mark.read === mark.latest ? mark : { read: mark.latest, latest: mark.latest, unread: 0 };
}
