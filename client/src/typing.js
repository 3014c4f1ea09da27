// Typing, both ways. Out: the user's keystrokes become at most one `true` every 3 s and a `false` after
// 4 s idle. In: who is typing where, from the others' `typing` events. A `true` lapses by itself after its
// `expiresInMs` (no `false` comes when the typer's server instance dies), on `false`, and when a message
// of the typer arrives in that conversation (they sent what they typed). Global timers, for mock.timers.

const DEFAULT_EXPIRY_MS = 6000;

export class TypingTracker {
  /** @param {(conversationId: string, change: {userId: string, username: string, typing: boolean}) => void} onLapse */
  constructor(onLapse) {
    this.onLapse = onLapse;
    /** conversationId → Map<userId, {userId, username, timer}> */
    this.byConversation = new Map();
  }

  /** The others typing in a conversation, in the order they started. */
  typers(conversationId) {
    const m = this.byConversation.get(conversationId);
    return m ? [...m.values()].map(({ userId, username }) => ({ userId, username })) : [];
  }

  /** A `typing` event. Returns whether the list of typers changed. */
  update(e) {
    if (e.typing) {
      const m = this.byConversation.get(e.conversationId) ?? new Map();
      this.byConversation.set(e.conversationId, m);
      const had = m.get(e.userId);
      if (had) clearTimeout(had.timer);
      const timer = setTimeout(() => this._lapse(e.conversationId, e.userId), e.expiresInMs > 0 ? e.expiresInMs : DEFAULT_EXPIRY_MS);
      m.set(e.userId, { userId: e.userId, username: e.username ?? had?.username, timer });
      return !had;
    }
    return !!this.remove(e.conversationId, e.userId);
  }

  /** Takes a user off a conversation's typers (a `false`, or their message). Returns who was removed. */
  remove(conversationId, userId) {
    const m = this.byConversation.get(conversationId);
    const had = m && m.get(userId);
    if (!had) return undefined;
    clearTimeout(had.timer);
    m.delete(userId);
    if (m.size === 0) this.byConversation.delete(conversationId);
    return had;
  }

  /** Forgets everyone (signed out, or disconnected: no events will say they stopped). */
  clear() {
    for (const m of this.byConversation.values()) for (const t of m.values()) clearTimeout(t.timer);
    this.byConversation.clear();
  }

  _lapse(conversationId, userId) {
    const had = this.remove(conversationId, userId);
    if (had) this.onLapse(conversationId, { userId, username: had.username, typing: false });
  }
}

export class TypingSender {
  /** @param {(conversationId: string, typing: boolean) => void} send */
  constructor(send) {
    this.send = send;
    /** conversationId → {sentAt, idle} */
    this.state = new Map();
  }

  /** On every keystroke: `true` at most every 3 s, `false` after 4 s without one. */
  typing(conversationId) {
    const t = this.state.get(conversationId) ?? { sentAt: -Infinity, idle: null };
    this.state.set(conversationId, t);
    clearTimeout(t.idle);
    t.idle = setTimeout(() => this.stop(conversationId), 4000);
    if (Date.now() - t.sentAt < 3000) return;
    t.sentAt = Date.now();
    this.send(conversationId, true);
  }

  /** Sends `false` if a `true` went out (the user stopped, sent the message, or left the conversation). */
  stop(conversationId) {
    const t = this.state.get(conversationId);
    if (!t) return;
    clearTimeout(t.idle);
    this.state.delete(conversationId);
    this.send(conversationId, false);
  }

  clear() {
    for (const t of this.state.values()) clearTimeout(t.idle);
    this.state.clear();
  }
}
