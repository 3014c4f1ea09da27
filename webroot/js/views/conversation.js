// The open conversation: its header (name, members, mute, invite, leave), the timeline with infinite
// scroll upward, what people are typing, the composer, and the actions on messages.
import { $, announce } from '../dom.js';
import { Timeline } from './timeline.js';
import { Composer, dropTarget } from './composer.js';
import { conversationName, dmPartner } from './sidebar.js';
import { inviteDialog, confirmDialog } from './dialogs.js';

export class ConversationView {
  constructor(app) {
    this.app = app;
    this.id = null;
    this.editing = null;
    this.dividerAt = null;
    this.hasOlder = true;
    this.loadingOlder = false;
    const chat = app.chat;
    this.timeline = new Timeline({
      list: $('#messages'), scroller: $('#scroller'),
      source: () => this.source(), ctx: () => this.ctx(),
      onBottom: () => { $('#jump').hidden = true; this.readIfSeen(); },
      onDrawn: (stuck) => { if (stuck) { $('#jump').hidden = true; this.readIfSeen(); } },
    });
    this.composer = new Composer({
      form: $('#composer'), id: 'composer', label: 'Message', chat,
      conversationId: () => this.id, onError: (err) => app.showError(err),
      onSent: () => this.timeline.toBottom(),
    });
    new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) this.loadOlder(); },
      { root: $('#scroller'), rootMargin: '200px 0px 0px 0px' }).observe($('#top-sentinel'));
    $('#jump').addEventListener('click', () => {
      this.timeline.toBottom();
      $('#jump').hidden = true;
      this.readIfSeen();
      this.composer.focus();
    });
    $('#mute').addEventListener('click', () => this.toggleMute());
    $('#invite').addEventListener('click', () => inviteDialog(app, this.id));
    $('#leave').addEventListener('click', () => this.leave());
    dropTarget($('#chat'), $('#drop'), (files) => this.id && this.composer.addFiles(files));
    document.addEventListener('visibilitychange', () => this.readIfSeen());
    window.addEventListener('focus', () => this.readIfSeen());
  }

  async open(id) {
    const changed = id !== this.id;
    this.id = id;
    const summary = id && this.app.chat.summary(id);
    $('#empty').hidden = !!summary;
    for (const el of ['#chat-head', '#composer', '#scroller']) $(el).hidden = !summary;
    if (!summary) { $('#messages').replaceChildren(); return; }
    if (changed) {
      this.editing = null;
      this.editDraft = null;
      $('#jump').hidden = true;
      // "New messages" marks what was unread when the conversation was opened; with nothing unread, none.
      const log = this.app.chat.conversations.get(id)?.log;
      this.dividerAt = log && log.unread > 0 ? log.readSeq : null;
      this.hasOlder = true;
      $('#messages').replaceChildren();
      $('#history-start').hidden = true;
      this.composer.reset();
      this.timeline.stick = true;
      this.app.chat.members(id).then(() => this.refresh(), () => {});
    }
    this.drawHead();
    this.refresh();
    await this.fill();
  }

  /** Loads older pages until the screen is full (or the conversation's start is reached). */
  async fill() {
    const id = this.id;
    for (let i = 0; i < 5 && id === this.id && this.hasOlder; i++) {
      await new Promise(requestAnimationFrame); // measured after the page just loaded is drawn
      const s = $('#scroller');
      if (this.visibleMessages().length >= 30 && s.scrollHeight > s.clientHeight + 200) break;
      await this.loadOlder();
    }
  }

  /** Still at the top after a page came (it was short: mostly thread replies)? Then the next one. */
  async keepFilling(id) {
    await new Promise(requestAnimationFrame);
    if (id === this.id && this.hasOlder && $('#scroller').scrollTop < 200) this.loadOlder();
  }

  async loadOlder() {
    if (!this.id || !this.hasOlder || this.loadingOlder) return;
    const id = this.id;
    this.loadingOlder = true;
    let page;
    try {
      page = await this.app.chat.loadOlder(id, 50);
    } catch (err) {
      if (id === this.id) this.app.showError(err);
      return;
    } finally {
      this.loadingOlder = false;
    }
    // Another conversation opened meanwhile found this one loading and gave up: fill that one now.
    if (id !== this.id) return void this.fill();
    this.hasOlder = page.hasOlder;
    $('#history-start').hidden = this.hasOlder;
    this.refresh();
    this.keepFilling(id);
  }

  visibleMessages() {
    return this.app.chat.messages(this.id).messages.filter((m) => !m.threadOf);
  }

  source() {
    const { messages, pending } = this.app.chat.messages(this.id);
    // Replies live in their thread; their root shows how many there are (the highest threadSeq held).
    const replies = new Map();
    for (const m of messages) if (m.threadOf && !m.deleted) replies.set(m.threadOf, Math.max(replies.get(m.threadOf) || 0, m.threadSeq));
    const main = messages.filter((m) => !m.threadOf)
      .map((m) => (replies.get(m.id) > (m.replyCount || 0) ? { ...m, replyCount: replies.get(m.id) } : m));
    const lastMine = [...main].reverse().find((m) => m.senderId === this.app.me && !m.deleted);
    const seen = lastMine && this.app.chat.seenBy(this.id, lastMine.seq).map((u) => this.app.directory.name(u.userId, u.username));
    return {
      messages: main,
      pending: pending.filter((p) => !p.threadOf),
      dividerAt: this.dividerAt,
      seenBy: seen?.length ? { seq: lastMine.seq, names: seen } : null,
    };
  }

  ctx() {
    const info = this.app.chat.summary(this.id)?.info;
    return { ...this.app.messageContext(), canDelete: info?.role === 'owner', editing: this.editing, editDraft: this.editDraft,
      act: (kind, m, arg) => this.act(kind, m, arg) };
  }

  /** Redraws; `incoming` is a message that just arrived (the jump button is for those alone). */
  refresh(incoming) {
    if (!this.id) return;
    this.timeline.render();
    if (incoming && !this.timeline.stick && incoming.senderId !== this.app.me && !incoming.threadOf) $('#jump').hidden = false;
    this.drawTyping();
  }

  drawHead() {
    const info = this.app.chat.summary(this.id)?.info;
    if (!info) return;
    const name = conversationName(info, this.app);
    $('#chat-title').textContent = name;
    const partner = dmPartner(info, this.app.me);
    $('#chat-note').textContent = partner ? this.app.directory.presenceOf(partner.userId)
      : info.type === 'room' ? (info.visibility === 'private' ? 'private room' : 'public room') : 'group';
    $('#mute').textContent = info.muted ? 'Unmute' : 'Mute';
    $('#mute').setAttribute('aria-pressed', info.muted ? 'true' : 'false');
    $('#invite').hidden = info.type === 'dm';
    $('#leave').hidden = info.type === 'dm';
    document.title = this.app.titleFor(name);
  }

  drawTyping() {
    const typers = (this.app.chat.typers?.(this.id) || []).map((t) => this.app.directory.name(t.userId, t.username));
    const text = !typers.length ? '' : typers.length === 1 ? `${typers[0]} is typing…`
      : typers.length === 2 ? `${typers[0]} and ${typers[1]} are typing…` : 'Several people are typing…';
    if ($('#typing').textContent !== text) $('#typing').textContent = text; // a live region: only real changes
  }

  /** Reads up to the newest message when the user can see it: page visible, focused, at the bottom. */
  readIfSeen() {
    // clientHeight 0: the list is not on screen (a phone showing the thread or the conversation list).
    if (!this.id || document.visibilityState !== 'visible' || !document.hasFocus() || !$('#scroller').clientHeight
      || !this.timeline.atBottom()) return;
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => this.app.chat.markRead(this.id).catch(() => {}), 250);
  }

  async act(kind, m, arg) {
    const chat = this.app.chat;
    try {
      switch (kind) {
        case 'react': return await chat.react(m.id, arg);
        case 'unreact': return await chat.unreact(m.id, arg);
        case 'thread': return this.app.openThread(m.id);
        case 'edit': this.editing = m.id; this.editDraft = null; return this.redrawBoth();
        case 'edit-draft': this.editDraft = arg; return undefined;
        case 'cancel-edit': this.editing = null; this.redrawBoth(); return this.composer.focus();
        case 'save-edit':
          if (arg.trim() && arg !== m.text) await chat.edit(m.id, arg);
          this.editing = null;
          this.redrawBoth();
          return this.composer.focus();
        case 'delete':
          if (await confirmDialog('Delete message', 'Delete this message for everyone?', 'Delete')) await chat.delete(m.id);
          return undefined;
        case 'retry': return chat.retry(m.clientMsgId);
        case 'edit-failed': // the text goes back into the box; the failed copy goes away
          chat.discard(m.clientMsgId);
          this.composer.reset(m.text);
          this.composer.focus();
          return this.refresh();
        case 'discard': chat.discard(m.clientMsgId); return this.refresh();
        default: return undefined;
      }
    } catch (err) {
      this.app.showError(err);
      return undefined;
    }
  }

  redrawBoth() {
    this.refresh();
    this.app.thread.refresh();
  }

  async toggleMute() {
    const info = this.app.chat.summary(this.id)?.info;
    try {
      await this.app.chat.request('parley.rooms.mute', { conversationId: this.id, muted: !info.muted });
    } catch (err) { this.app.showError(err); }
  }

  async leave() {
    const info = this.app.chat.summary(this.id)?.info;
    if (!await confirmDialog('Leave', `Leave ${conversationName(info, this.app)}?`, 'Leave')) return;
    try {
      await this.app.chat.request('parley.rooms.leave', { conversationId: this.id });
      announce(`You left ${conversationName(info, this.app)}`);
      this.app.open(null);
    } catch (err) { this.app.showError(err); }
  }
}
