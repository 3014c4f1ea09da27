// A sidebar line per conversation: unread count, unread mentions, newest message.
//
// Mentions: the server counts them once, in `unreadMentions` of the conversation (in `ready` and
// conversation.added), up to its `lastSeq` then. Later ones are counted here, from `mention` events and
// from messages that name this user or say @all/@here (not this user's own), each seq once and only past
// that `lastSeq` — a message the server counted already arrives again through sync and must not count
// twice. The count goes back to 0 when the read position reaches the head (the server's count is not
// per message, so a read short of the head leaves it as it is).
//
// The newest message is the newest held in the log, or a preview fetched by loadPreviews(); a preview is
// kept here only, never put in the log, where it would move the sync position past unread messages.

const PREVIEW_CONCURRENCY = 4;

export class Summaries {
  constructor() {
    /** conversationId → {mentions, countedThrough, counted: Set<seq>, last} */
    this.state = new Map();
  }

  _st(id) {
    let st = this.state.get(id);
    if (!st) this.state.set(id, (st = { mentions: 0, countedThrough: 0, counted: new Set(), last: undefined }));
    return st;
  }

  /** A conversation as `ready` or conversation.added lists it: the server's count restarts ours. */
  reset(info) {
    const st = this._st(info.id);
    st.mentions = info.unreadMentions ?? 0;
    st.countedThrough = info.lastSeq ?? 0;
    st.counted.clear();
  }

  drop(id) { this.state.delete(id); }

  /** Messages now shown in a conversation. Returns whether its summary changed. */
  shown(c, messages, me) {
    const st = this._st(c.info.id);
    let changed = false;
    for (const m of messages) {
      if (!st.last || m.seq > st.last.seq) { st.last = m; changed = true; }
      const named = (m.mentions ?? []).some((x) => x.userId === me);
      if (m.senderId !== me && (named || m.broadcast === 'all' || m.broadcast === 'here')) changed = this._count(c, m) || changed;
    }
    return this.settle(c) || changed;
  }

  /** A `mention` event (its message may not be held yet: counted by seq, once). */
  mention(c, message) { return this._count(c, message); }

  /** A held message changed: the newest one is replaced. Returns whether it was the newest. */
  changed(id, message) {
    const st = this.state.get(id);
    if (!st || !st.last || st.last.seq !== message.seq) return false;
    st.last = message;
    return true;
  }

  /** The read position moved: at the head, no mention is unread any more. Returns whether that changed the count. */
  settle(c) {
    const st = this._st(c.info.id);
    if (c.log.unread !== 0 || (st.mentions === 0 && st.counted.size === 0)) return false;
    st.mentions = 0;
    st.counted.clear();
    return true;
  }

  /** Whether a conversation has a newest message (held or previewed). */
  hasLast(id) { return !!this.state.get(id)?.last; }

  summary(c) {
    const st = this._st(c.info.id);
    return { info: c.info, unread: c.log.unread, unreadMentions: st.mentions, lastMessage: st.last };
  }

  /**
   * Fetches the newest message of each conversation without one, at most 4 requests at a time.
   * `fetchNewest(id)` resolves with the message or undefined; `onLoaded(id)` follows each one found.
   */
  async loadPreviews(ids, fetchNewest, onLoaded) {
    const queue = ids.filter((id) => !this.hasLast(id));
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const m = await fetchNewest(id).catch(() => undefined);
        if (!m || !this.state.has(id)) continue;
        const st = this.state.get(id);
        if (!st.last || m.seq > st.last.seq) { st.last = m; onLoaded(id); }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PREVIEW_CONCURRENCY, queue.length) }, worker));
  }

  _count(c, m) {
    const st = this._st(c.info.id);
    if (m.seq <= st.countedThrough || m.seq <= c.log.readSeq || st.counted.has(m.seq)) return false;
    st.counted.add(m.seq);
    st.mentions++;
    return true;
  }
}
