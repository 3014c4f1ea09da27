// Parley's web client: wires the client library (connection, sync, outbox) to the views. State lives
// in the library (conversations, messages, unsent sends) and in the URL (what is open); the views
// draw from them whenever the library says something changed.
import { ParleyClient, browserSessionStore } from '/lib/parley-client/index.js';
import { $, batched, announce } from './dom.js';
import { parseRoute, go, onRoute } from './router.js';
import { Directory } from './directory.js';
import { AuthView } from './views/auth.js';
import { renderSidebar, conversationName } from './views/sidebar.js';
import { ConversationView } from './views/conversation.js';
import { ThreadView } from './views/thread.js';
import { newRoomDialog, newChatDialog, browseDialog, imageDialog } from './views/dialogs.js';
import { showState, showError, clearError, attentionCount, Notifier } from './views/status.js';

class App {
  constructor() {
    this.chat = new ParleyClient({ sessionStore: browserSessionStore(localStorage, navigator.locks), storage: localStorage });
    this.directory = new Directory(this.chat);
    this.groupNames = new Map();
    this.current = null;
    this.namesVersion = 0;
    this.newest = new Map(); // conversationId → highest seq seen, so history is not announced as news
    this.files = new FileCache(this.chat);
    this.auth = new AuthView(this);
    this.conversation = new ConversationView(this);
    this.thread = new ThreadView(this);
    this.notifier = new Notifier(this);
    this.drawSidebar = batched(() => { renderSidebar(this); this.drawTitle(); });
    this.listen();
  }

  get me() { return this.chat.session?.userId; }

  start() {
    const signedOut = sessionStorage.getItem('parley.signedOut');
    sessionStorage.removeItem('parley.signedOut');
    if (this.chat.session) return this.signedIn();
    this.auth.show();
    if (signedOut === 'expired') showError('Your session has ended; please sign in again.');
    if (signedOut === 'elsewhere') showError('You signed out in another tab.');
    return undefined;
  }

  async signedIn() {
    clearError();
    $('#auth').hidden = true;
    $('#app').hidden = false;
    $('#logout').hidden = false;
    const s = this.chat.session;
    this.directory.remember({ userId: s.userId, username: s.username });
    $('#me').textContent = `${s.username} · ${s.tenant}`;
    this.chat.api('GET', '/me', undefined, true).then((me) => {
      this.directory.remember(me);
      $('#me').textContent = `${me.displayName || me.username} · ${me.tenant}`;
    }, () => {});
    this.focusAfterLogin = true;
    await this.chat.connect();
  }

  listen() {
    const chat = this.chat;
    const on = (type, fn) => chat.addEventListener(type, (e) => fn(e.detail));
    on('state', ({ state }) => {
      showState(state);
      this.conversation.refresh(); // unsent messages say whether they wait for the connection
      this.thread.refresh();
    });
    on('ready', ({ conversations, node }) => {
      this.node = node;
      for (const c of conversations) this.newest.set(c.id, Math.max(this.newest.get(c.id) ?? 0, c.lastSeq ?? 0));
      this.directory.askPresence(conversations.flatMap((c) => (c.dmUsers || []).map((u) => u.userId)));
      for (const c of conversations) if (c.type === 'group' && !c.name) this.nameGroup(c.id);
      chat.loadPreviews?.(conversations.map((c) => c.id));
      this.route(parseRoute());
      this.drawSidebar();
      if (this.focusAfterLogin) {
        this.focusAfterLogin = false;
        (this.current ? $('#composer-text') : $('#sidebar a.conv') || $('#new-room')).focus();
      }
    });
    on('message', ({ conversationId, message }) => {
      this.changed(conversationId, message);
      if (message.threadOf && this.thread.rootId === message.threadOf) this.thread.refresh();
      // History pages also arrive as 'message': only what is newer than anything seen is news.
      if (!this.isNews(conversationId, message) || message.senderId === this.me) return;
      if (this.chat.summary(conversationId)?.info.type === 'dm') this.notifier.consider(conversationId, message, 'dm');
      if (conversationId === this.current && document.visibilityState === 'visible') {
        announce(`${this.directory.name(message.senderId, message.senderName)}: ${message.text || 'sent a file'}`);
      }
    });
    on('changed', ({ conversationId }) => { this.changed(conversationId); if (this.thread.rootId) this.thread.refresh(); });
    on('outbox', ({ entry }) => { this.changed(entry.conversationId); if (entry.threadOf) this.thread.refresh(); });
    on('summary', () => this.drawSidebar());
    on('typing', ({ conversationId }) => { if (conversationId === this.current) this.conversation.drawTyping(); });
    on('presence', (e) => { this.directory.setPresence(e.userId, { state: e.state, lastSeenAt: e.lastSeenAt }); });
    on('receipt', ({ conversationId }) => { if (conversationId === this.current) this.conversation.refresh(); });
    on('read', () => this.drawSidebar());
    on('conversation', (d) => {
      this.drawSidebar();
      if (d.kind === 'removed' && d.conversationId === this.current) this.open(null);
      if (d.kind === 'added' && d.conversation?.id === this.awaited) { this.awaited = null; this.route(parseRoute()); }
      if (d.conversationId === this.current || d.conversation?.id === this.current) this.conversation.open(this.current);
      if (d.kind === 'added' && d.conversation?.type === 'group' && !d.conversation.name) this.nameGroup(d.conversation.id);
      // Presence events flow only between people who share a DM, group or private room: ask once it exists.
      if (d.kind === 'added') this.directory.askPresence((d.conversation?.dmUsers || []).map((u) => u.userId));
    });
    on('event', (e) => {
      if (e.type === 'mention') this.notifier.consider(e.conversationId, e.message, 'mention');
      if (e.type === 'thread.reply') this.notifier.consider(e.conversationId, e.message, 'thread');
      if ((e.type === 'member.joined' || e.type === 'member.left') && e.conversationId === this.current) this.conversation.drawHead();
    });
    on('error', ({ error }) => showError(error));
    on('signedout', ({ reason }) => {
      // A fresh page for whoever signs in next: nothing of this user's (messages held, unsent sends,
      // previews, drafts) may stay in memory to be shown to, or sent as, the next one.
      if (reason) sessionStorage.setItem('parley.signedOut', reason.code === 'SIGNED_OUT' ? 'elsewhere' : 'expired');
      location.reload();
    });
    this.directory.addEventListener('change', () => {
      this.namesVersion++;
      this.drawSidebar();
      if (this.current) { this.conversation.drawHead(); this.conversation.refresh(); this.thread.refresh(); }
    });
    this.directory.addEventListener('presence', () => {
      this.drawSidebar();
      if (this.current) this.conversation.drawHead();
    });
    onRoute((route) => this.route(route));
    $('.skip').addEventListener('click', (e) => { e.preventDefault(); $('#composer-text')?.focus(); });
    $('#logout').addEventListener('click', () => chat.logout());
    $('#error-close').addEventListener('click', clearError);
    $('#back').addEventListener('click', () => {
      const was = this.current;
      this.open(null);
      requestAnimationFrame(() => $(`#sidebar a.conv[data-conversation="${CSS.escape(was || '')}"]`)?.focus());
    });
    $('#new-room').addEventListener('click', () => newRoomDialog(this));
    $('#new-chat').addEventListener('click', () => newChatDialog(this));
    $('#browse').addEventListener('click', () => browseDialog(this));
  }

  changed(conversationId, message) {
    this.drawSidebar();
    if (conversationId === this.current) this.conversation.refresh(message);
  }

  /** Newer than any message of the conversation seen so far (not a history page, not a repeat). */
  isNews(conversationId, message) {
    const newest = this.newest.get(conversationId) ?? 0;
    if (message.seq <= newest) return false;
    this.newest.set(conversationId, message.seq);
    return true;
  }

  showError(err) { showError(err); }

  open(conversationId, threadOf) { go(conversationId, threadOf); }

  openThread(messageId) { go(this.current, messageId); }

  route({ conversationId, threadOf }) {
    if (!this.chat.session || !$('#auth').hidden) return;
    const known = conversationId && this.chat.summary(conversationId);
    clearTimeout(this.awaitTimer);
    if (conversationId && !known) {
      // One just created or joined may be announced (conversation.added) after the answer, through
      // another instance: wait for it a little before saying it is not there.
      this.awaited = conversationId;
      this.awaitTimer = setTimeout(() => {
        if (this.awaited === conversationId && this.chat.state === 'online') showError('That conversation does not exist, or you are not a member.');
      }, 5000);
    }
    if (known) this.awaited = null;
    const hiddenFocus = document.activeElement?.closest('#sidebar');
    this.current = known ? conversationId : null;
    document.body.classList.toggle('in-conversation', !!this.current);
    this.conversation.open(this.current);
    // On a phone the list just went away with the link that had focus: continue in the message box.
    if (this.current && hiddenFocus && !hiddenFocus.offsetParent) requestAnimationFrame(() => $('#composer-text')?.focus());
    this.thread.open(this.current, this.current ? threadOf : null);
    this.drawSidebar();
    if (!this.current) document.title = this.titleFor(null);
  }

  async nameGroup(id) {
    const members = await this.chat.members(id).catch(() => []);
    const names = members.filter((m) => m.userId !== this.me).map((m) => this.directory.name(m.userId, m.username))
      .sort((a, b) => a.localeCompare(b)); // the same name in every tab, whatever order the members come in
    if (names.length) this.groupNames.set(id, names.join(', '));
    this.drawSidebar();
    if (id === this.current) this.conversation.drawHead();
  }

  messageContext() {
    return { me: this.me, names: (id, username) => this.directory.name(id, username), files: this.files,
      namesVersion: this.namesVersion, online: this.chat.state === 'online' };
  }

  titleFor(name) {
    const n = attentionCount(this.chat.summaries?.() || []);
    return `${n ? `(${n}) ` : ''}${name ? `${name} · ` : ''}Parley`;
  }

  drawTitle() {
    const info = this.current && this.chat.summary(this.current)?.info;
    document.title = this.titleFor(info ? conversationName(info, this) : null);
  }
}

/** Attachment bytes need the token, so previews are fetched as blobs once and shown by object URL. */
class FileCache {
  constructor(chat) { this.chat = chat; this.thumbs = new Map(); }

  thumbnail(id) {
    if (!this.thumbs.has(id)) {
      this.thumbs.set(id, this.chat.fetchAttachment(id, { thumbnail: true }).then((blob) => URL.createObjectURL(blob)));
      this.thumbs.get(id).catch(() => this.thumbs.delete(id));
    }
    return this.thumbs.get(id);
  }

  async open(file) {
    try {
      const url = URL.createObjectURL(await this.chat.fetchAttachment(file.attachmentId));
      imageDialog(file, url, () => URL.revokeObjectURL(url));
    } catch (err) { showError(err); }
  }

  async download(file) {
    try {
      const url = URL.createObjectURL(await this.chat.fetchAttachment(file.attachmentId));
      const a = document.createElement('a');
      a.href = url;
      a.download = file.name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (err) { showError(err); }
  }
}

const app = new App();
window.parley = app; // for the browser tests and for debugging from the console
app.start();
