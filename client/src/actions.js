// ParleyClient's calls other than sending: reading what is held, older pages, edits and reactions,
// read position, typing and presence, receipts ("seen by") and sidebar summaries. Methods mixed into
// ParleyClient.prototype (client.js); split out only to keep files readable.
import { ParleyError } from './errors.js';

export const actionMethods = {
  /** Messages of a conversation as held (ascending seq) and its unsent ones. */
  messages(conversationId) {
    const c = this.conversations.get(conversationId);
    return { messages: c ? c.log.messages() : [], pending: this.outbox.pending(conversationId) };
  },

  /** Loads the newest page (first open) or the page before the oldest held. Emits 'message' for each new one. */
  async loadOlder(conversationId, limit = 50) {
    const c = this.conversations.get(conversationId);
    if (!c) throw new ParleyError('CONVERSATION_NOT_FOUND', conversationId);
    const before = c.log.oldest;
    const page = await this.request('parley.delivery.history', { conversationId, limit, ...(before && { before }) });
    const added = c.log.addOlder(page.messages);
    this._shown(c, added);
    return { messages: added, hasOlder: c.log.hasOlder };
  },

  edit(messageId, text, clientChangeId = this.outbox.newId()) {
    return this.request('parley.delivery.edit', { messageId, text, clientChangeId });
  },

  delete(messageId, clientChangeId = this.outbox.newId()) {
    return this.request('parley.delivery.delete', { messageId, clientChangeId });
  },

  react(messageId, emoji) { return this.request('parley.delivery.react', { messageId, emoji }); },

  unreact(messageId, emoji) { return this.request('parley.delivery.unreact', { messageId, emoji }); },

  /** Moves the read position to `seq` (default: the newest held). */
  async markRead(conversationId, seq) {
    const c = this.conversations.get(conversationId);
    if (!c) return undefined;
    const to = seq ?? c.log.position ?? 0;
    if (to <= c.log.readSeq) return { conversationId, readSeq: c.log.readSeq, unread: c.log.unread };
    const r = await this.request('parley.rooms.read', { conversationId, seq: to });
    if (c.log.setRead(r.readSeq)) this._readMoved(c);
    return r;
  },

  /** Typing: call on every keystroke; sends `true` at most every 3 s and `false` after 4 s idle (or stopTyping). */
  typing(conversationId) { this.typingOut.typing(conversationId); },

  stopTyping(conversationId) { this.typingOut.stop(conversationId); },

  /** Who else is typing in a conversation now: `[{userId, username}]`. */
  typers(conversationId) { return this.typingIn.typers(conversationId); },

  /** Presence of up to 100 users: `{userId: {state, lastSeenAt}}`. */
  async presence(userIds) { return (await this.request('parley.live.presence', { userIds })).presence; },

  setAway(away) { return this.request('parley.live.away', { away }); },

  /** Members with their read and delivered positions (parley.rooms.members once, then kept current). */
  members(conversationId) { return this.receipts.members(conversationId); },

  /** Members other than me who read `seq` (from members() as held: empty until it was loaded). */
  seenBy(conversationId, seq) { return this.receipts.seenBy(conversationId, seq, this.session?.userId); },

  /** A sidebar line: `{info, unread, unreadMentions, lastMessage}` (undefined for a conversation not held). */
  summary(conversationId) {
    const c = this.conversations.get(conversationId);
    return c ? this.sidebar.summary(c) : undefined;
  },

  summaries() { return [...this.conversations.values()].map((c) => this.sidebar.summary(c)); },

  /**
   * Fetches the newest message (history, limit 1) of the given conversations that have none held, at most
   * 4 requests at a time; emits `summary` for each one found. Resolves when all are done.
   */
  loadPreviews(conversationIds = [...this.conversations.keys()]) {
    return this.sidebar.loadPreviews(
      conversationIds.filter((id) => this.conversations.has(id)),
      async (conversationId) => (await this.request('parley.delivery.history', { conversationId, limit: 1 })).messages?.at(-1),
      (id) => this._summary(this.conversations.get(id)),
    );
  },
};
