// The outbox kept in storage (e.g. localStorage), so messages not yet sent survive a reload: saved on
// every change, loaded on connect() and resent after the first sync with the same clientMsgId. Another
// tab of the same user may resend the same entries: harmless, the server stores a clientMsgId once.

export const OUTBOX_CAP = 200;

export class OutboxStore {
  /**
   * @param {{getItem(k: string): string|null, setItem(k: string, v: string): void, removeItem(k: string): void}} storage
   * @param {string} key e.g. parley.outbox.<tenant>.<userId>
   */
  constructor(storage, key, cap = OUTBOX_CAP) {
    this.storage = storage;
    this.key = key;
    this.cap = cap;
    /** clientMsgIds this client held and that have gone (sent or discarded): not to be kept for others */
    this.gone = new Set();
  }

  /** The saved entries (unreadable or missing: none). */
  load() {
    try {
      const list = JSON.parse(this.storage.getItem(this.key) ?? '[]');
      return Array.isArray(list) ? list.filter((e) => e && typeof e === 'object' && e.clientMsgId) : [];
    } catch {
      return [];
    }
  }

  /**
   * Writes the unsent entries of `outbox`. Entries another tab saved since (not held here, not gone here)
   * are kept beside them, so two tabs do not erase each other's; the newest `cap` are kept.
   */
  save(outbox) {
    const mine = [...outbox.entries.values()].filter((e) => e.state === 'sending' || e.state === 'failed');
    const held = new Set(outbox.entries.keys());
    const others = this.load().filter((e) => !held.has(e.clientMsgId) && !this.gone.has(e.clientMsgId));
    // The message object of a settled send is never here; keep entries lean and plain.
    const all = [...others, ...mine.map(({ message, ...e }) => e)]
      .sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0))
      .slice(-this.cap);
    try {
      if (all.length) this.storage.setItem(this.key, JSON.stringify(all));
      else this.storage.removeItem(this.key);
    } catch {
      // Storage full or refused (private mode): the outbox still works in memory.
    }
  }

  /** An entry left the outbox here (sent, discarded, replaced by an edit). */
  forget(clientMsgId) { this.gone.add(clientMsgId); }
}
