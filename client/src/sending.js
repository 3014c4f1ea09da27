// ParleyClient's own messages: optimistic sends through the outbox, one at a time per conversation,
// resent with the same clientMsgId after a reconnect, and (with the `storage` option) kept across reloads.
// Methods mixed into ParleyClient.prototype (client.js); split out only to keep files readable.
import { Outbox } from './outbox.js';
import { OutboxStore } from './outbox-store.js';

export const sendingMethods = {
  /**
   * Sends a message with optimistic echo: emits 'outbox' (sending → sent | failed). Returns the entry.
   * `attachments` are upload records (kept on the entry for showing it) or ids; text may then be empty.
   */
  send(conversationId, text, extra = {}) {
    const entry = this.outbox.add({ conversationId, text, ...extra });
    if (this.typingOut.state.has(conversationId)) this.typingOut.stop(conversationId);
    this._send(entry);
    return entry;
  },

  /** Sends a failed message again with the same clientMsgId (transient failures only). */
  retry(clientMsgId) {
    const entry = this.outbox.retry(clientMsgId);
    if (entry) this._send(entry);
    return entry;
  },

  /** New text for a failed message (a new clientMsgId); sends it. */
  editFailed(clientMsgId, text) {
    const entry = this.outbox.edit(clientMsgId, text);
    if (entry) {
      this.outboxStore?.forget(clientMsgId);
      this._send(entry);
    }
    return entry;
  },

  discard(clientMsgId) {
    const gone = this.outbox.discard(clientMsgId);
    if (gone) {
      this.outboxStore?.forget(clientMsgId);
      this._saveOutbox();
    }
    return gone;
  },

  /**
   * With `storage`: takes in the entries saved before a reload (or by another tab) for this user, shows
   * them as pending, and leaves them to the resend after the first sync. Called by connect().
   */
  _loadOutbox() {
    const { storage } = this.opts;
    const s = this.session;
    if (!storage || !s) return;
    const key = `parley.outbox.${s.tenant}.${s.userId}`;
    if (!this.outboxStore || this.outboxStore.key !== key) this.outboxStore = new OutboxStore(storage, key);
    for (const saved of this.outboxStore.load()) {
      const entry = this.outbox.restore(saved);
      if (entry) this._emit('outbox', { entry });
    }
    this._saveOutbox();
  },

  _saveOutbox() {
    if (this.outboxStore) this.outboxStore.save(this.outbox);
  },

  /** Every outbox move: told to the application, and saved. */
  _outboxChanged(entry) {
    if (entry.state === 'sent') this.outboxStore?.forget(entry.clientMsgId);
    this._saveOutbox();
    this._emit('outbox', { entry });
  },

  _resend() {
    for (const entry of this.outbox.takeResends()) this._send(entry);
  },

  /**
   * One send at a time per conversation, in outbox order: sends issued together would otherwise be
   * stored in whatever order the server finishes them (seen against a running node: 1, 3, 2). The first
   * goes out at once; the next when the one before has its answer (ack, refusal, OFFLINE or TIMEOUT).
   */
  _send(entry) {
    this._outboxChanged(entry);
    const id = entry.conversationId;
    const attempt = entry.attempts;
    const go = () => {
      // Settled, discarded, failed by a dropped connection or taken again meanwhile: not this attempt's turn.
      if (this.outbox.get(entry.clientMsgId) !== entry || entry.state !== 'sending' || entry.attempts !== attempt) return undefined;
      return this._request(entry);
    };
    const before = this.sending.get(id);
    const mine = before ? before.then(go) : Promise.resolve(go());
    this.sending.set(id, mine);
    mine.then(() => { if (this.sending.get(id) === mine) this.sending.delete(id); });
  },

  /** parley.delivery.send for one entry; settles or fails it. Never rejects. */
  _request(entry) {
    return this.request('parley.delivery.send', Outbox.body(entry)).then((message) => {
      const settled = this.outbox.settle(entry.clientMsgId, message);
      if (settled) this._outboxChanged(settled);
      const c = this.conversations.get(entry.conversationId);
      if (c) this._onLive(c, message); // the ack is the message: shown once, by its seq
    }, (err) => {
      const failed = this.outbox.fail(entry.clientMsgId, err);
      if (failed) this._outboxChanged(failed);
    }).catch((error) => this._emit('error', { error }));
  },
};
