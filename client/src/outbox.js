// Messages this client is sending: optimistic local echo, 'sending' → 'sent' on the ack, or 'failed'.
// A transient failure (offline, timeout, unavailable) is resent with the same clientMsgId, which the
// server never stores twice; a permanent refusal (e.g. PAYLOAD_TOO_LARGE) stays failed until the text is
// edited (a new clientMsgId) or the entry is discarded. Pure: no I/O, no timers.
import { codeOf, TRANSIENT_CODES } from './errors.js';

let counter = 0;
/** A clientMsgId: 1–64 of A-Z a-z 0-9 . _ : - */
export function newClientMsgId() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  if (c && typeof c.getRandomValues === 'function') {
    return Array.from(c.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  }
  return `m-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export class Outbox {
  /** @param {{now?: () => number, newId?: () => string}} [opts] */
  constructor(opts = {}) {
    this.now = opts.now ?? (() => Date.now());
    this.newId = opts.newId ?? newClientMsgId;
    /** @type {Map<string, object>} clientMsgId → entry (insertion order = send order) */
    this.entries = new Map();
  }

  /** A new message to send: `{conversationId, text, threadOf?, attachments?}` → its entry, 'sending'. */
  add(draft, clientMsgId = this.newId()) {
    const entry = {
      clientMsgId,
      conversationId: draft.conversationId,
      text: draft.text ?? '',
      ...(draft.threadOf && { threadOf: draft.threadOf }),
      ...(draft.attachments && { attachments: [...draft.attachments] }),
      state: 'sending',
      attempts: 1,
      createdAt: this.now(),
    };
    this.entries.set(clientMsgId, entry);
    return entry;
  }

  get(clientMsgId) { return this.entries.get(clientMsgId); }

  /**
   * An entry saved before a reload (or by another tab), taken in as it was. One that was `sending` has an
   * unknown outcome, so it becomes a retryable failure, resent after the next sync with the same
   * clientMsgId (the server stores it at most once). Undefined when that clientMsgId is held already.
   */
  restore(saved) {
    if (!saved || !saved.clientMsgId || !saved.conversationId || this.entries.has(saved.clientMsgId)) return undefined;
    const entry = { ...saved, attempts: saved.attempts ?? 1, createdAt: saved.createdAt ?? this.now() };
    if (entry.state !== 'failed') Object.assign(entry, { state: 'failed', code: 'OFFLINE', error: 'not sent before the reload', retryable: true });
    this.entries.set(entry.clientMsgId, entry);
    return entry;
  }

  /**
   * The request body for parley.delivery.send. The entry keeps the attachment records (to show them
   * while pending); the server takes their ids.
   */
  static body(entry) {
    const body = { conversationId: entry.conversationId, clientMsgId: entry.clientMsgId, text: entry.text };
    if (entry.threadOf) body.threadOf = entry.threadOf;
    if (entry.attachments && entry.attachments.length) {
      body.attachments = entry.attachments.map((a) => (typeof a === 'string' ? a : a.attachmentId));
    }
    return body;
  }

  /**
   * The stored message for an entry: the send's ack (also with `duplicate: true`) or the sender's own
   * live `message` event, whichever comes first. Returns the entry, now 'sent' and removed, or undefined.
   */
  settle(clientMsgId, message) {
    const entry = this.entries.get(clientMsgId);
    if (!entry || (message.conversationId && message.conversationId !== entry.conversationId)) return undefined;
    this.entries.delete(clientMsgId);
    return Object.assign(entry, { state: 'sent', seq: message.seq, message, error: undefined, code: undefined, retryable: undefined });
  }

  /**
   * The send failed. Transient codes leave it to be resent (`retryable`); others are permanent: it
   * stays 'failed', editable and discardable. Returns the entry (undefined if already settled).
   */
  fail(clientMsgId, err) {
    const entry = this.entries.get(clientMsgId);
    if (!entry || entry.state !== 'sending') return undefined; // settled, or already failed (e.g. by connectionLost)
    const code = codeOf(err);
    return Object.assign(entry, {
      state: 'failed',
      code,
      error: String((err && err.message) || err),
      retryable: TRANSIENT_CODES.has(code),
    });
  }

  /** The connection dropped: every 'sending' entry has an unknown outcome and becomes retryable. */
  connectionLost() {
    const lost = [];
    for (const e of this.entries.values()) {
      if (e.state === 'sending') lost.push(this.fail(e.clientMsgId, { message: 'OFFLINE: connection lost' }));
    }
    return lost;
  }

  /**
   * After a reconnect: the entries to send again, each with its own clientMsgId, now 'sending'.
   * Permanent failures are not among them.
   */
  takeResends() {
    const out = [];
    for (const e of this.entries.values()) {
      if (e.state === 'failed' && e.retryable) out.push(this._again(e));
    }
    return out;
  }

  /** The user asks to retry one: the same clientMsgId. Undefined for a permanent failure (edit it instead). */
  retry(clientMsgId) {
    const e = this.entries.get(clientMsgId);
    if (!e || e.state !== 'failed' || !e.retryable) return undefined;
    return this._again(e);
  }

  /**
   * New text for a failed message: a new entry (a new clientMsgId, 'sending') takes its place, since the
   * server keeps a clientMsgId bound to its first text. Undefined unless the entry has failed.
   */
  edit(clientMsgId, text) {
    const e = this.entries.get(clientMsgId);
    if (!e || e.state !== 'failed') return undefined;
    this.entries.delete(clientMsgId);
    return this.add({ ...e, text });
  }

  /** Drops a failed message. Returns whether it was there. */
  discard(clientMsgId) {
    const e = this.entries.get(clientMsgId);
    if (!e || e.state === 'sending') return false;
    return this.entries.delete(clientMsgId);
  }

  /** Unsent messages of a conversation (sending or failed), in send order: the local echo. */
  pending(conversationId) {
    return [...this.entries.values()].filter((e) => e.conversationId === conversationId);
  }

  _again(e) {
    return Object.assign(e, { state: 'sending', attempts: e.attempts + 1, error: undefined, code: undefined, retryable: undefined });
  }
}
