// The thread side panel: the root message and its replies in threadSeq order, a composer that
// replies in the thread. Replies arrive as the conversation's messages (with threadOf); the panel
// asks the server for the thread once when opened and then follows what the client holds.
import { $, reconcile } from '../dom.js';
import { Timeline, signature } from './timeline.js';
import { Composer } from './composer.js';
import { renderMessage } from './message.js';

export class ThreadView {
  constructor(app) {
    this.app = app;
    this.rootId = null;
    this.conversationId = null;
    this.parent = null;
    this.loaded = [];
    this.timeline = new Timeline({
      list: $('#thread-messages'), scroller: $('#thread-scroller'),
      source: () => this.source(), ctx: () => this.ctx(),
    });
    this.composer = new Composer({
      form: $('#thread-composer'), id: 'thread-composer', label: 'Reply in thread', chat: app.chat,
      conversationId: () => this.conversationId, threadOf: () => this.rootId,
      onError: (err) => app.showError(err), onSent: () => this.timeline.toBottom(),
    });
    $('#thread-close').addEventListener('click', () => this.close());
    // Escape closes the panel unless something inside used it (the mention list, an edit box).
    $('#thread').addEventListener('keydown', (e) => { if (e.key === 'Escape' && !e.defaultPrevented) this.close(); });
  }

  close() {
    this.app.openThread(null);
    this.app.conversation.composer.focus();
  }

  async open(conversationId, rootId) {
    if (!rootId) {
      $('#thread').hidden = true;
      document.body.classList.remove('thread-open');
      this.rootId = null;
      return;
    }
    const changed = rootId !== this.rootId;
    this.conversationId = conversationId;
    this.rootId = rootId;
    $('#thread').hidden = false;
    document.body.classList.add('thread-open');
    if (!changed) return;
    this.parent = null;
    this.loaded = [];
    $('#thread-messages').replaceChildren();
    $('#thread-root').replaceChildren();
    this.composer.reset();
    this.timeline.stick = true;
    try {
      const page = await this.app.chat.request('parley.delivery.thread', { messageId: rootId, limit: 200 });
      if (rootId !== this.rootId || conversationId !== this.conversationId) return;
      if (page.parent.conversationId !== conversationId) throw Object.assign(new Error('that message is not in this conversation'), { code: 'MESSAGE_NOT_FOUND' });
      // A link may name a reply: the thread is its root's (replies go to the root, and are matched by it).
      this.rootId = page.parent.id;
      this.parent = page.parent;
      this.loaded = page.messages;
      this.refresh();
      this.composer.focus();
    } catch (err) {
      this.app.showError(err);
      this.app.openThread(null);
    }
  }

  source() {
    // What the client holds is newer than the first answer (edits, reactions, replies since).
    const held = new Map(this.app.chat.messages(this.conversationId).messages.map((m) => [m.id, m]));
    const replies = new Map(this.loaded.map((m) => [m.id, held.get(m.id) || m]));
    for (const m of held.values()) if (m.threadOf === this.rootId) replies.set(m.id, m);
    const messages = [...replies.values()].sort((a, b) => a.threadSeq - b.threadSeq);
    const pending = this.app.chat.messages(this.conversationId).pending.filter((p) => p.threadOf === this.rootId);
    return { messages, pending };
  }

  ctx() {
    const info = this.app.chat.summary(this.conversationId)?.info;
    const main = this.app.conversation;
    return { ...this.app.messageContext(), inThread: true, canDelete: info?.role === 'owner',
      editing: main.editing, editDraft: main.editDraft, act: (kind, m, arg) => this.act(kind, m, arg) };
  }

  /** Message actions are the conversation's, except that a refused reply goes back into this box. */
  act(kind, m, arg) {
    if (kind !== 'edit-failed') return this.app.conversation.act(kind, m, arg);
    this.app.chat.discard(m.clientMsgId);
    this.composer.reset(m.text);
    this.composer.focus();
    return this.refresh();
  }

  refresh() {
    if (!this.rootId || !this.parent) return;
    const held = this.app.chat.messages(this.conversationId).messages.find((m) => m.id === this.rootId) || this.parent;
    $('#thread-title').replaceChildren('Thread');
    const ctx = { ...this.ctx(), grouped: false, seenBy: null };
    reconcile($('#thread-root'), [{ key: 'root', sig: signature(held, false, null, ctx), render: () => renderMessage(held, ctx) }]);
    this.timeline.render();
  }
}
