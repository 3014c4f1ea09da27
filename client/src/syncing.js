// Catching up: parley.delivery.sync from every position held, and history paging forward until no hole
// is left. Methods mixed into ParleyClient.prototype (client.js); split out only to keep files readable.

const PAGE = 200;

export const syncMethods = {
  /** Pages history forward until the log has no hole (one request at a time per conversation). */
  async _page(c, first = c.log.missing()) {
    const id = c.info.id;
    if (this.paging.has(id)) return;
    this.paging.add(id);
    try {
      for (let gap = first; gap;) {
        const page = await this.request('parley.delivery.history', { conversationId: id, after: gap.after, limit: PAGE });
        const r = c.log.addPage(gap.after, page.messages, page.hasMore);
        this._shown(c, r.added);
        if (!page.messages.length) break;
        gap = r.gap;
      }
    } catch (error) {
      this._emit('error', { error });
    } finally {
      this.paging.delete(id);
    }
  },

  /** parley.delivery.sync from every position held; then sends cut off by the connection go again. */
  async sync() {
    const positions = {};
    for (const [id, c] of this.conversations) {
      const p = c.log.syncPosition();
      if (p) positions[id] = p;
    }
    const res = await this.request('parley.delivery.sync', { positions });
    let moreChanges = false;
    for (const [id, page] of Object.entries(res.conversations || {})) {
      const c = this.conversations.get(id);
      if (!c) continue;
      if (page.readSeq !== undefined && c.log.setRead(page.readSeq)) this._readMoved(c);
      const after = positions[id]?.seq ?? page.readSeq ?? 0;
      for (const change of c.log.applySyncChanges(page.changes, page.changeSeq)) {
        this._emit('changed', { conversationId: id, ...change });
        if (this.sidebar.changed(id, change.message)) this._summary(c);
      }
      moreChanges ||= !!page.changesHaveMore;
      const r = c.log.addPage(after, page.messages || [], page.hasMore);
      this._shown(c, r.added);
      if (r.gap) this._page(c, r.gap);
    }
    this._resend();
    if (moreChanges) await this.sync();
    return res;
  },
};
