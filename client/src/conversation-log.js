// One conversation's messages, kept exactly once by seq. Pure: no I/O, no timers.
//
// `position` is the seq up to which every message is held (gap-free); messages that arrive past a hole
// are held back, not shown, until the hole is filled by a history page. Changes (edits, deletes,
// reactions) are applied by changeSeq at most once each.

export class ConversationLog {
  /**
   * @param {string} conversationId
   * @param {{position?: number, changeSeq?: number, readSeq?: number}} [start] position: seq the log
   *   starts after (e.g. the read position for a conversation never seen here); undefined = not anchored.
   */
  constructor(conversationId, start = {}) {
    this.conversationId = conversationId;
    /** @type {Map<number, object>} shown messages by seq */
    this.bySeq = new Map();
    /** @type {Map<number, object>} messages past a hole, held until it is filled */
    this.held = new Map();
    /** @type {Map<string, number>} `${senderId}\n${clientMsgId}` → seq */
    this.byClientId = new Map();
    this.position = start.position;
    this.changeSeq = start.changeSeq ?? 0;
    /** changeSeqs above `changeSeq` already applied (a change that came past a hole) */
    this.appliedAhead = new Set();
    this.readSeq = start.readSeq ?? 0;
    this.lastSeq = start.position ?? 0;
    /** lowest seq loaded; older pages come with history before=oldest */
    this.oldest = undefined;
  }

  get anchored() { return this.position !== undefined; }

  /** Starts the log after `seq` if it has no position yet (a conversation new to this client). */
  anchor(seq) {
    if (this.position === undefined) {
      this.position = seq;
      this._drain([]);
    }
  }

  has(seq) { return this.bySeq.has(seq) || this.held.has(seq); }

  get(seq) { return this.bySeq.get(seq); }

  /** The shown messages, ascending by seq. */
  messages() { return [...this.bySeq.values()].sort((a, b) => a.seq - b.seq); }

  /** The seq of a sender's message with that clientMsgId, if held. */
  seqOfClientMsgId(senderId, clientMsgId) { return this.byClientId.get(`${senderId}\n${clientMsgId}`); }

  /** What to ask the server for next: the range after `position` while anything is missing, else null. */
  missing() {
    if (this.position === undefined) return null;
    const ahead = [...this.held.keys()];
    if (ahead.length === 0) return null;
    const firstHeld = Math.min(...ahead);
    return { conversationId: this.conversationId, after: this.position, from: this.position + 1, to: firstHeld - 1 };
  }

  /**
   * A live message. Returns the messages now shown (in order; empty for a duplicate or one held past a
   * hole) and `gap`: the range to page with history after=`gap.after`, or null.
   */
  addLive(message) {
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    if (this.position === undefined) {
      // Not synced yet: keep it; the sync answer anchors the log and shows it in order.
      if (!this.has(message.seq)) this.held.set(message.seq, message);
      return { added: [], gap: null };
    }
    if (message.seq <= this.position || this.has(message.seq)) return { added: [], gap: this.missing() };
    if (message.seq === this.position + 1) return { added: this._drain([message]), gap: this.missing() };
    this.held.set(message.seq, message);
    return { added: [], gap: this.missing() };
  }

  /**
   * A forward page that is complete after `after` (a sync answer's messages, or history after=`after`).
   * Returns what is newly shown and whether more must be paged (`gap`).
   */
  addPage(after, messages, hasMore = false) {
    if (this.position === undefined) this.position = after;
    const fresh = [];
    for (const m of [...messages].sort((a, b) => a.seq - b.seq)) {
      this.lastSeq = Math.max(this.lastSeq, m.seq);
      if (m.seq <= this.position || this.bySeq.has(m.seq)) continue; // already shown
      this.held.delete(m.seq); // the page's copy is its latest state
      if (m.seq === this.position + 1) fresh.push(...this._drain([m]));
      else this.held.set(m.seq, m);
    }
    let gap = this.missing();
    if (!gap && hasMore) gap = { conversationId: this.conversationId, after: this.position, from: this.position + 1, to: undefined };
    return { added: fresh, gap };
  }

  /** An older page (history before=`oldest`): shown as it is, below the position. Returns what is new. */
  addOlder(messages) {
    const fresh = [];
    for (const m of messages) {
      if (this.bySeq.has(m.seq)) continue;
      this._show(m);
      fresh.push(m);
    }
    if (this.position === undefined && messages.length) this.anchor(Math.max(...messages.map((m) => m.seq)));
    return fresh.sort((a, b) => a.seq - b.seq);
  }

  /** Whether older messages exist before what is loaded. */
  get hasOlder() { return this.oldest === undefined ? (this.position ?? 0) > 0 : this.oldest > 1; }

  /**
   * A `message.changed` event `{changeSeq, kind, message}`. Returns
   * `{status: 'applied' | 'ignored' | 'duplicate', message?, gap}`: 'ignored' when the message is not
   * held (it will come in its latest state); `gap` true when changes were missed (sync from `changeSeq`,
   * which stays where it was until the sync answers).
   */
  applyChange(change) {
    const n = change.changeSeq;
    if (n <= this.changeSeq || this.appliedAhead.has(n)) return { status: 'duplicate', gap: false };
    const gap = n > this.changeSeq + 1;
    const status = this._replace(change.message);
    if (gap) this.appliedAhead.add(n);
    else {
      this.changeSeq = n;
      while (this.appliedAhead.delete(this.changeSeq + 1)) this.changeSeq++;
    }
    return { status, message: status === 'applied' ? change.message : undefined, gap };
  }

  /**
   * The changes of a sync answer (in order) and its `changeSeq`. Returns the messages replaced, each once.
   */
  applySyncChanges(changes = [], changeSeq) {
    const replaced = [];
    for (const c of changes) {
      if (c.changeSeq <= this.changeSeq || this.appliedAhead.has(c.changeSeq)) continue;
      if (this._replace(c.message) === 'applied') replaced.push({ ...c });
      this.appliedAhead.add(c.changeSeq);
    }
    const top = Math.max(changeSeq ?? 0, ...changes.map((c) => c.changeSeq));
    if (top > this.changeSeq) this.changeSeq = top;
    for (const n of this.appliedAhead) if (n <= this.changeSeq) this.appliedAhead.delete(n);
    while (this.appliedAhead.delete(this.changeSeq + 1)) this.changeSeq++;
    return replaced;
  }

  /** Moves the read position forward only. Returns true when it moved. */
  setRead(seq) {
    if (seq <= this.readSeq) return false;
    this.readSeq = seq;
    return true;
  }

  get unread() { return Math.max(0, Math.max(this.lastSeq, this.position ?? 0) - this.readSeq); }

  /** For parley.delivery.sync: `{seq, changeSeq}`, or undefined when not anchored. */
  syncPosition() {
    return this.position === undefined ? undefined : { seq: this.position, changeSeq: this.changeSeq };
  }

  _replace(message) {
    if (this.bySeq.has(message.seq)) { this._show(message); return 'applied'; }
    return 'ignored';
  }

  _show(m) {
    this.bySeq.set(m.seq, m);
    if (m.clientMsgId && m.senderId) this.byClientId.set(`${m.senderId}\n${m.clientMsgId}`, m.seq);
    if (this.oldest === undefined || m.seq < this.oldest) this.oldest = m.seq;
  }

  /** Shows `first` (at position + 1) and every held message that now follows without a hole. */
  _drain(first) {
    const shown = [];
    for (const m of first) {
      this._show(m);
      this.position = m.seq;
      shown.push(m);
    }
    for (const seq of [...this.held.keys()]) if (seq <= this.position) this.held.delete(seq);
    while (this.held.has(this.position + 1)) {
      const m = this.held.get(this.position + 1);
      this.held.delete(m.seq);
      this._show(m);
      this.position = m.seq;
      shown.push(m);
    }
    return shown;
  }
}
