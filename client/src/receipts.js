// Members' read and delivered positions per conversation, for "seen by" (PROTOCOL.md, Receipts). The
// member list comes from parley.rooms.members once per conversation; `read` and `delivered` events, and
// each member's own messages (a send moves its sender's read position; no read event follows), keep it
// current. Events about one member may arrive out of order, and one may arrive while the list is being
// fetched, so positions are kept apart from the list and only ever raised.

export class Receipts {
  /** @param {(address: string, body: object) => Promise<any>} request */
  constructor(request) {
    this.request = request;
    /** conversationId → Map<userId, {readSeq, deliveredSeq}> (from events; kept across list reloads) */
    this.positions = new Map();
    /** conversationId → [{userId, username, role}] as last fetched */
    this.lists = new Map();
    /** conversationId → the fetch in flight */
    this.loading = new Map();
  }

  /** The members with their positions; fetched on first use and after a member joined or left. */
  async members(conversationId) {
    if (!this.lists.has(conversationId)) {
      let p = this.loading.get(conversationId);
      if (!p) {
        p = this.request('parley.rooms.members', { conversationId }).then((r) => {
          for (const m of r.members ?? []) this._raise(conversationId, m.userId, m.readSeq, m.deliveredSeq);
          if (this.loading.get(conversationId) === p) {
            this.lists.set(conversationId, (r.members ?? []).map(({ userId, username, role }) => ({ userId, username, role })));
          }
        }).finally(() => { if (this.loading.get(conversationId) === p) this.loading.delete(conversationId); });
        this.loading.set(conversationId, p);
      }
      await p;
    }
    return this.cached(conversationId) ?? [];
  }

  /** The members as held (undefined when not loaded). */
  cached(conversationId) {
    const list = this.lists.get(conversationId);
    if (!list) return undefined;
    const pos = this.positions.get(conversationId);
    return list.map((m) => {
      const p = pos && pos.get(m.userId);
      return { ...m, readSeq: p ? p.readSeq : 0, deliveredSeq: p ? p.deliveredSeq : 0 };
    });
  }

  /** Members other than `me` who read up to `seq` or beyond (none when the list is not loaded). */
  seenBy(conversationId, seq, me) {
    const list = this.cached(conversationId) ?? [];
    return list.filter((m) => m.userId !== me && m.readSeq >= seq).map(({ userId, username }) => ({ userId, username }));
  }

  /** A `read` event (reading implies delivery). */
  onRead(e) { this._raise(e.conversationId, e.userId, e.readSeq, e.readSeq); }

  /** A `delivered` event: `{positions: {userId: deliveredSeq}}`. */
  onDelivered(e) {
    for (const [userId, seq] of Object.entries(e.positions ?? {})) this._raise(e.conversationId, userId, 0, seq);
  }

  /** A message: its sender has read up to it. */
  onMessage(conversationId, message) { this._raise(conversationId, message.senderId, message.seq, message.seq); }

  /** member.joined / member.left: the list is stale (a newcomer starts at the head). */
  invalidate(conversationId) {
    this.lists.delete(conversationId);
    this.loading.delete(conversationId);
  }

  /** A conversation left: forget it. */
  drop(conversationId) {
    this.invalidate(conversationId);
    this.positions.delete(conversationId);
  }

  _raise(conversationId, userId, readSeq = 0, deliveredSeq = 0) {
    if (!userId) return;
    let pos = this.positions.get(conversationId);
    if (!pos) this.positions.set(conversationId, (pos = new Map()));
    const p = pos.get(userId) ?? { readSeq: 0, deliveredSeq: 0 };
    p.readSeq = Math.max(p.readSeq, readSeq ?? 0);
    p.deliveredSeq = Math.max(p.deliveredSeq, deliveredSeq ?? 0, p.readSeq);
    pos.set(userId, p);
  }
}
