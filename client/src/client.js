// ParleyClient: REST for the account, the bridge for everything else, and the delivery rules of
// PROTOCOL.md (ready → sync, gap paging, dedup by seq, changes by changeSeq, resend with the same
// clientMsgId) so an application only renders what it is told.
import { ConversationLog } from './conversation-log.js';
import { Outbox } from './outbox.js';
import { TokenManager } from './tokens.js';
import { Connection, loadEventBus } from './connection.js';
import { ParleyError, toParleyError, isTransient } from './errors.js';

const PAGE = 200;

export class ParleyClient extends EventTarget {
  /**
   * @param {{baseUrl?: string, fetch?: typeof fetch, EventBus?: Function, requestTimeoutMs?: number,
   *   session?: object, busOptions?: object}} [opts]
   */
  constructor(opts = {}) {
    super();
    this.baseUrl = (opts.baseUrl ?? '').replace(/\/$/, '');
    this.fetch = opts.fetch ?? ((...a) => globalThis.fetch(...a));
    this.opts = opts;
    /** @type {Map<string, {info: object, log: ConversationLog}>} */
    this.conversations = new Map();
    this.outbox = new Outbox();
    this.connection = null;
    this.state = 'offline';
    this.paging = new Set();
    /** conversationId → the send in flight there (a promise that never rejects) */
    this.sending = new Map();
    this.typingTimers = new Map();
    this.tokens = new TokenManager({
      refresh: (refreshToken) => this.api('POST', '/auth/refresh', { refreshToken }),
      onChange: (session) => {
        if (session && this.connection) {
          this.connection.presentToken(session.accessToken);
          // Present it now (any request carries it): an idle socket would be closed at the old expiry.
          if (this.state === 'online') this.sync().catch(() => {});
        }
        this._emit('session', { session });
      },
      onExpired: (err) => { this.disconnect(); this._emit('signedout', { reason: err }); },
    });
    if (opts.session) this.tokens.set(opts.session);
  }

  get session() { return this.tokens.session; }

  // ---- account (REST) ------------------------------------------------------------------------

  async api(method, path, body, auth = false) {
    const headers = { 'content-type': 'application/json' };
    if (auth) headers.authorization = `Bearer ${await this.tokens.fresh()}`;
    let res;
    try {
      res = await this.fetch(`${this.baseUrl}/api${path}`, { method, headers, body: body && JSON.stringify(body) });
    } catch (err) {
      throw new ParleyError('NETWORK', 'the server cannot be reached');
    }
    const data = res.status === 204 ? {} : await res.json().catch(() => ({}));
    if (!res.ok) {
      throw data.error ? new ParleyError(data.error.code, data.error.message, { status: res.status })
        : new ParleyError(`HTTP_${res.status}`, 'request failed', { status: res.status });
    }
    return data;
  }

  register(creds) { return this.api('POST', '/auth/register', creds); }

  async login(creds) { return this.tokens.set(await this.api('POST', '/auth/login', creds)); }

  async logout() {
    const s = this.session;
    this.disconnect();
    this.tokens.clear();
    if (s) await this.api('POST', '/auth/logout', { refreshToken: s.refreshToken }).catch(() => {});
    this._emit('signedout', { reason: null });
  }

  // ---- connection ----------------------------------------------------------------------------

  async connect() {
    if (!this.session) throw new ParleyError('UNAUTHENTICATED', 'log in first');
    if (this.connection) return;
    const EventBus = await loadEventBus(this.opts.EventBus);
    const { tenant, userId } = this.session;
    this.connection = new Connection({
      url: `${this.baseUrl}/eventbus`,
      EventBus,
      inbox: `parley.client.${tenant}.${userId}`,
      token: () => this.tokens.fresh(),
      onEvent: (e) => this.handleEvent(e),
      onState: (state, info) => {
        if (state === 'reconnecting' || state === 'offline') {
          for (const entry of this.outbox.connectionLost()) this._emit('outbox', { entry });
        }
        this._setState(state, info);
      },
      onInboxError: (error) => this._emit('error', { error }),
      requestTimeoutMs: this.opts.requestTimeoutMs,
      options: this.opts.busOptions,
      heartbeatTimeoutMs: this.opts.heartbeatTimeoutMs,
      network: this.opts.network,
    });
    this.connection.open();
  }

  disconnect() {
    const c = this.connection;
    this.connection = null;
    if (c) c.close();
    this._setState('offline');
  }

  /** A bridge request; a token that expired unnoticed (a laptop asleep) is refreshed once and repeated. */
  async request(address, body) {
    if (!this.connection) throw new ParleyError('OFFLINE', 'not connected');
    try {
      return await this.connection.request(address, body);
    } catch (err) {
      if (!/^TOKEN_/.test(err.code) || !this.connection) throw err;
      this.connection.presentToken((await this.tokens.refresh()).accessToken);
      return this.connection.request(address, body);
    }
  }

  // ---- events --------------------------------------------------------------------------------

  /** One inbox event (exposed for tests and for applications feeding events from elsewhere). */
  handleEvent(e) {
    const entry = this.conversations.get(e.conversationId);
    switch (e.type) {
      case 'ready': return this._onReady(e);
      case 'resync': return void this.sync().catch((error) => this._emit('error', { error }));
      case 'message': return entry && this._onLive(entry, e.message);
      case 'message.changed': return entry && this._onChanged(entry, e);
      case 'read':
        if (entry && e.userId === this.session?.userId && entry.log.setRead(e.readSeq)) {
          this._emit('read', { conversationId: e.conversationId, readSeq: e.readSeq, unread: entry.log.unread });
        }
        return this._emit('receipt', e);
      case 'delivered': return this._emit('receipt', e);
      case 'typing': return this._onTyping(e);
      case 'presence': return this._emit('presence', e);
      case 'conversation.added': {
        const c = this._conversation(e.conversation);
        this._emit('conversation', { kind: 'added', conversation: c.info });
        return void this.sync().catch(() => {});
      }
      case 'conversation.removed':
        this.conversations.delete(e.conversationId);
        return this._emit('conversation', { kind: 'removed', conversationId: e.conversationId });
      case 'conversation.muted':
        if (entry) entry.info = { ...entry.info, muted: e.muted };
        return this._emit('conversation', { kind: 'muted', conversationId: e.conversationId, muted: e.muted });
      default: return this._emit('event', e); // mention, thread.reply, member.joined, member.left, …
    }
  }

  _onReady(e) {
    const ids = new Set(e.conversations.map((c) => c.id));
    for (const id of this.conversations.keys()) if (!ids.has(id)) this.conversations.delete(id);
    for (const info of e.conversations) this._conversation(info);
    this.connection?.markReady();
    this._emit('ready', { conversations: e.conversations.map((c) => this.conversations.get(c.id).info), node: e.node });
    this.sync().catch((error) => this._emit('error', { error }));
  }

  _conversation(info) {
    let c = this.conversations.get(info.id);
    if (!c) {
      c = { info, log: new ConversationLog(info.id, { readSeq: info.readSeq ?? 0 }) };
      this.conversations.set(info.id, c);
    } else {
      c.info = { ...c.info, ...info };
    }
    if (info.readSeq !== undefined) c.log.setRead(info.readSeq);
    if (info.lastSeq !== undefined) c.log.lastSeq = Math.max(c.log.lastSeq, info.lastSeq);
    return c;
  }

  _onLive(c, message) {
    if (message.senderId === this.session?.userId) {
      c.log.setRead(message.seq); // a send moves the sender's own read position
      const settled = this.outbox.settle(message.clientMsgId, message);
      if (settled) this._emit('outbox', { entry: settled });
    }
    const { added, gap } = c.log.addLive(message);
    this._shown(c, added);
    if (gap) this._page(c, gap);
  }

  _onChanged(c, e) {
    const r = c.log.applyChange(e);
    if (r.status === 'applied') {
      this._emit('changed', { conversationId: c.info.id, changeSeq: e.changeSeq, kind: e.kind, message: r.message, emoji: e.emoji, userId: e.userId });
    }
    if (r.gap) this.sync().catch(() => {});
  }

  _shown(c, messages) {
    for (const message of messages) this._emit('message', { conversationId: c.info.id, message });
  }

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
  }

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
      if (page.readSeq !== undefined) c.log.setRead(page.readSeq);
      const after = positions[id]?.seq ?? page.readSeq ?? 0;
      for (const change of c.log.applySyncChanges(page.changes, page.changeSeq)) {
        this._emit('changed', { conversationId: id, ...change });
      }
      moreChanges ||= !!page.changesHaveMore;
      const r = c.log.addPage(after, page.messages || [], page.hasMore);
      this._shown(c, r.added);
      if (r.gap) this._page(c, r.gap);
    }
    this._resend();
    if (moreChanges) await this.sync();
    return res;
  }

  _resend() {
    for (const entry of this.outbox.takeResends()) this._send(entry);
  }

  // ---- actions -------------------------------------------------------------------------------

  /** Sends a message with optimistic echo: emits 'outbox' (sending → sent | failed). Returns the entry. */
  send(conversationId, text, extra = {}) {
    const entry = this.outbox.add({ conversationId, text, ...extra });
    this._send(entry);
    return entry;
  }

  /** Sends a failed message again with the same clientMsgId (transient failures only). */
  retry(clientMsgId) {
    const entry = this.outbox.retry(clientMsgId);
    if (entry) this._send(entry);
    return entry;
  }

  /** New text for a failed message (a new clientMsgId); sends it. */
  editFailed(clientMsgId, text) {
    const entry = this.outbox.edit(clientMsgId, text);
    if (entry) this._send(entry);
    return entry;
  }

  discard(clientMsgId) { return this.outbox.discard(clientMsgId); }

  /**
   * One send at a time per conversation, in outbox order: sends issued together would otherwise be
   * stored in whatever order the server finishes them (seen against a running node: 1, 3, 2). The first
   * goes out at once; the next when the one before has its answer (ack, refusal, OFFLINE or TIMEOUT).
   */
  _send(entry) {
    this._emit('outbox', { entry });
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
  }

  /** parley.delivery.send for one entry; settles or fails it. Never rejects. */
  _request(entry) {
    return this.request('parley.delivery.send', Outbox.body(entry)).then((message) => {
      const settled = this.outbox.settle(entry.clientMsgId, message);
      if (settled) this._emit('outbox', { entry: settled });
      const c = this.conversations.get(entry.conversationId);
      if (c) this._onLive(c, message); // the ack is the message: shown once, by its seq
    }, (err) => {
      const failed = this.outbox.fail(entry.clientMsgId, err);
      if (failed) this._emit('outbox', { entry: failed });
    }).catch((error) => this._emit('error', { error }));
  }

  /** Messages of a conversation as held (ascending seq) and its unsent ones. */
  messages(conversationId) {
    const c = this.conversations.get(conversationId);
    return { messages: c ? c.log.messages() : [], pending: this.outbox.pending(conversationId) };
  }

  /** Loads the newest page (first open) or the page before the oldest held. Emits 'message' for each new one. */
  async loadOlder(conversationId, limit = 50) {
    const c = this.conversations.get(conversationId);
    if (!c) throw new ParleyError('CONVERSATION_NOT_FOUND', conversationId);
    const before = c.log.oldest;
    const page = await this.request('parley.delivery.history', { conversationId, limit, ...(before && { before }) });
    const added = c.log.addOlder(page.messages);
    this._shown(c, added);
    return { messages: added, hasOlder: c.log.hasOlder };
  }

  edit(messageId, text, clientChangeId = this.outbox.newId()) {
    return this.request('parley.delivery.edit', { messageId, text, clientChangeId });
  }

  delete(messageId, clientChangeId = this.outbox.newId()) {
    return this.request('parley.delivery.delete', { messageId, clientChangeId });
  }

  react(messageId, emoji) { return this.request('parley.delivery.react', { messageId, emoji }); }

  unreact(messageId, emoji) { return this.request('parley.delivery.unreact', { messageId, emoji }); }

  /** Moves the read position to `seq` (default: the newest held). */
  async markRead(conversationId, seq) {
    const c = this.conversations.get(conversationId);
    if (!c) return undefined;
    const to = seq ?? c.log.position ?? 0;
    if (to <= c.log.readSeq) return { conversationId, readSeq: c.log.readSeq, unread: c.log.unread };
    const r = await this.request('parley.rooms.read', { conversationId, seq: to });
    c.log.setRead(r.readSeq);
    return r;
  }

  /** Typing: call on every keystroke; sends `true` at most every 3 s and `false` after 4 s idle (or stopTyping). */
  typing(conversationId) {
    const t = this.typingTimers.get(conversationId) ?? { sentAt: 0, idle: null };
    this.typingTimers.set(conversationId, t);
    clearTimeout(t.idle);
    t.idle = setTimeout(() => this.stopTyping(conversationId), 4000);
    if (Date.now() - t.sentAt < 3000) return;
    t.sentAt = Date.now();
    this.request('parley.live.typing', { conversationId, typing: true }).catch(() => {});
  }

  stopTyping(conversationId) {
    const t = this.typingTimers.get(conversationId);
    if (!t) return;
    clearTimeout(t.idle);
    this.typingTimers.delete(conversationId);
    this.request('parley.live.typing', { conversationId, typing: false }).catch(() => {});
  }

  _onTyping(e) {
    this._emit('typing', e);
  }

  /** Presence of up to 100 users: `{userId: {state, lastSeenAt}}`. */
  async presence(userIds) { return (await this.request('parley.live.presence', { userIds })).presence; }

  setAway(away) { return this.request('parley.live.away', { away }); }

  // ---- plumbing ------------------------------------------------------------------------------

  _setState(state, info) {
    if (this.state === state) return;
    this.state = state;
    this._emit('state', { state, ...(info && { info }) });
  }

  _emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }
}

export { isTransient, toParleyError };
