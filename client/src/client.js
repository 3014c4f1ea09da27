// ParleyClient: the bridge for everything but the account, and the delivery rules of PROTOCOL.md
// (ready → sync, gap paging, dedup by seq, changes by changeSeq, resend with the same clientMsgId) so an
// application only renders what it is told. Account and attachments: account.js; sync and paging:
// syncing.js; sends: sending.js; the other calls: actions.js; typing, receipts, summaries: their own.
import { AccountClient } from './account.js';
import { ConversationLog } from './conversation-log.js';
import { Outbox } from './outbox.js';
import { Connection, loadEventBus } from './connection.js';
import { ParleyError, toParleyError, isTransient } from './errors.js';
import { sendingMethods } from './sending.js';
import { syncMethods } from './syncing.js';
import { actionMethods } from './actions.js';
import { TypingTracker, TypingSender } from './typing.js';
import { Receipts } from './receipts.js';
import { Summaries } from './summaries.js';

export class ParleyClient extends AccountClient {
  /**
   * @param {{baseUrl?: string, fetch?: typeof fetch, EventBus?: Function, requestTimeoutMs?: number,
   *   session?: object, sessionStore?: object, storage?: Storage, busOptions?: object,
   *   heartbeatTimeoutMs?: number, network?: EventTarget, XMLHttpRequest?: any}} [opts]
   */
  constructor(opts = {}) {
    super(opts);
    /** @type {Map<string, {info: object, log: ConversationLog}>} */
    this.conversations = new Map();
    this.outbox = new Outbox();
    this.outboxStore = null;
    this.connection = null;
    this.state = 'offline';
    this.paging = new Set();
    /** conversationId → the send in flight there (a promise that never rejects) */
    this.sending = new Map();
    this.typingOut = new TypingSender((conversationId, typing) => {
      this.request('parley.live.typing', { conversationId, typing }).catch(() => {});
    });
    this.typingIn = new TypingTracker((conversationId, change) => this._typers(conversationId, change, { lapsed: true }));
    this.receipts = new Receipts((address, body) => this.request(address, body));
    this.sidebar = new Summaries();
  }

  _sessionChanged(session) {
    if (session && this.connection) {
      this.connection.presentToken(session.accessToken);
      // Present it now (any request carries it): an idle socket would be closed at the old expiry.
      if (this.state === 'online') this.sync().catch(() => {});
    }
    super._sessionChanged(session);
  }

  _signedOut(reason) {
    this.disconnect();
    super._signedOut(reason);
  }

  // ---- connection ----------------------------------------------------------------------------

  async connect() {
    if (!this.session) throw new ParleyError('UNAUTHENTICATED', 'log in first');
    if (this.connection) return;
    this._loadOutbox();
    const EventBus = await loadEventBus(this.opts.EventBus);
    if (this.connection || !this.session) return; // connected or signed out meanwhile
    const { tenant, userId } = this.session;
    this.connection = new Connection({
      url: `${this.baseUrl}/eventbus`,
      EventBus,
      inbox: `parley.client.${tenant}.${userId}`,
      token: () => this.tokens.fresh(),
      onEvent: (e) => this.handleEvent(e),
      onState: (state, info) => {
        if (state === 'reconnecting' || state === 'offline') {
          for (const entry of this.outbox.connectionLost()) this._outboxChanged(entry);
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
    this.typingOut.clear();
    this.typingIn.clear();
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
    const c = this.conversations.get(e.conversationId);
    switch (e.type) {
      case 'ready': return this._onReady(e);
      case 'resync': return void this.sync().catch((error) => this._emit('error', { error }));
      case 'message': return c && this._onLive(c, e.message);
      case 'message.changed': return c && this._onChanged(c, e);
      case 'read':
        this.receipts.onRead(e);
        if (c && e.userId === this.session?.userId && c.log.setRead(e.readSeq)) {
          this._emit('read', { conversationId: e.conversationId, readSeq: e.readSeq, unread: c.log.unread });
          this._readMoved(c);
        }
        return this._emit('receipt', e);
      case 'delivered':
        this.receipts.onDelivered(e);
        return this._emit('receipt', e);
      case 'typing':
        this.typingIn.update(e);
        return this._emit('typing', { ...e, typers: this.typingIn.typers(e.conversationId) });
      case 'presence': return this._emit('presence', e);
      case 'conversation.added': {
        const added = this._conversation(e.conversation, true);
        this._emit('conversation', { kind: 'added', conversation: added.info });
        this._summary(added);
        return void this.sync().catch(() => {});
      }
      case 'conversation.removed':
        this.conversations.delete(e.conversationId);
        this.receipts.drop(e.conversationId);
        this.sidebar.drop(e.conversationId);
        return this._emit('conversation', { kind: 'removed', conversationId: e.conversationId });
      case 'conversation.muted':
        if (c) c.info = { ...c.info, muted: e.muted };
        this._emit('conversation', { kind: 'muted', conversationId: e.conversationId, muted: e.muted });
        return c && this._summary(c);
      case 'mention':
        if (c && e.message && this.sidebar.mention(c, e.message)) this._summary(c);
        return this._emit('event', e);
      case 'member.joined':
      case 'member.left':
        this.receipts.invalidate(e.conversationId);
        return this._emit('event', e);
      default: return this._emit('event', e); // thread.reply, …
    }
  }

  _onReady(e) {
    const ids = new Set(e.conversations.map((c) => c.id));
    for (const id of [...this.conversations.keys()]) {
      if (ids.has(id)) continue; // left while disconnected
      this.conversations.delete(id);
      this.receipts.drop(id);
      this.sidebar.drop(id);
    }
    for (const info of e.conversations) this._conversation(info, true);
    this.connection?.markReady();
    this._emit('ready', { conversations: e.conversations.map((c) => this.conversations.get(c.id).info), node: e.node });
    for (const info of e.conversations) this._summary(this.conversations.get(info.id));
    this.sync().catch((error) => this._emit('error', { error }));
  }

  /** A conversation as the server lists it; `counts`: its unreadMentions restart the sidebar's count. */
  _conversation(info, counts = false) {
    let c = this.conversations.get(info.id);
    if (!c) {
      c = { info, log: new ConversationLog(info.id, { readSeq: info.readSeq ?? 0 }) };
      this.conversations.set(info.id, c);
    } else {
      c.info = { ...c.info, ...info };
    }
    if (info.readSeq !== undefined) c.log.setRead(info.readSeq);
    if (info.lastSeq !== undefined) c.log.lastSeq = Math.max(c.log.lastSeq, info.lastSeq);
    if (counts) this.sidebar.reset(c.info);
    return c;
  }

  _onLive(c, message) {
    if (message.senderId === this.session?.userId) {
      c.log.setRead(message.seq); // a send moves the sender's own read position
      const settled = this.outbox.settle(message.clientMsgId, message);
      if (settled) this._outboxChanged(settled);
    } else if (this.typingIn.remove(c.info.id, message.senderId)) {
      this._typers(c.info.id, { userId: message.senderId, username: message.senderName, typing: false });
    }
    this.receipts.onMessage(c.info.id, message);
    const { added, gap } = c.log.addLive(message);
    this._shown(c, added);
    if (gap) this._page(c, gap);
  }

  _onChanged(c, e) {
    const r = c.log.applyChange(e);
    if (r.status === 'applied') {
      this._emit('changed', { conversationId: c.info.id, changeSeq: e.changeSeq, kind: e.kind, message: r.message, emoji: e.emoji, userId: e.userId });
      if (this.sidebar.changed(c.info.id, r.message)) this._summary(c);
    }
    if (r.gap) this.sync().catch(() => {});
  }

  _shown(c, messages) {
    for (const message of messages) this._emit('message', { conversationId: c.info.id, message });
    if (messages.length) {
      this.sidebar.shown(c, messages, this.session?.userId);
      this._summary(c);
    }
  }

  _readMoved(c) {
    this.sidebar.settle(c);
    this._summary(c);
  }

  _summary(c) { this._emit('summary', { conversationId: c.info.id }); }

  _typers(conversationId, change, extra = {}) {
    this._emit('typing', { type: 'typing', conversationId, ...change, ...extra, typers: this.typingIn.typers(conversationId) });
  }

  // ---- plumbing ------------------------------------------------------------------------------

  _setState(state, info) {
    if (this.state === state) return;
    this.state = state;
    this._emit('state', { state, ...(info && { info }) });
  }
}

// The rest of the class, in files of their own (plain objects of methods: no bundler needed).
Object.assign(ParleyClient.prototype, syncMethods, sendingMethods, actionMethods);

export { isTransient, toParleyError };
