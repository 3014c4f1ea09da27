// What the page says about itself: the connection pill, the error banner, the title badge and
// desktop notifications for mentions and direct messages.
import { $ } from '../dom.js';
import { preview } from '../format.js';

const STATE_TEXT = { online: 'online', connecting: 'connecting…', registering: 'connecting…', reconnecting: 'reconnecting…', offline: 'offline' };

export function showState(state) {
  const pill = $('#status');
  pill.dataset.state = state;
  pill.textContent = STATE_TEXT[state] || state;
}

/** An error in words: the server's message (without its "CODE: " prefix), then the stable code. */
export function describe(err) {
  if (typeof err === 'string') return err;
  const text = String(err?.message || 'Something went wrong').replace(/^[A-Z][A-Z_]+: /, '');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${err?.code ? ` (${err.code})` : ''}`;
}

// The banner stays until dismissed or replaced (no time limit to read it: WCAG 2.2.1).
export function showError(err) {
  $('#error-text').textContent = describe(err);
  $('#error').hidden = false;
}

export function clearError() {
  $('#error').hidden = true;
}

/** Unread that calls for attention: mentions anywhere, and unread direct messages that are not muted. */
export function attentionCount(summaries) {
  let n = 0;
  for (const s of summaries) n += s.unreadMentions + (s.info.type === 'dm' && !s.info.muted ? s.unread : 0);
  return n;
}

export class Notifier {
  constructor(app) {
    this.app = app;
    const button = $('#notify');
    const supported = 'Notification' in window;
    button.hidden = !supported || Notification.permission !== 'default';
    button.addEventListener('click', async () => {
      await Notification.requestPermission();
      button.hidden = Notification.permission !== 'default';
    });
  }

  /** A mention, or a message in a DM, while the page is hidden or shows another conversation. */
  consider(conversationId, message, why) {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    if (message.senderId === this.app.me) return;
    if (document.visibilityState === 'visible' && document.hasFocus() && this.app.current === conversationId) return;
    const summary = this.app.chat.summary(conversationId);
    if (!summary || (summary.info.muted && why !== 'mention')) return;
    const sender = this.app.directory.name(message.senderId, message.senderName);
    const title = why === 'mention' ? `${sender} mentioned you` : sender;
    const n = new Notification(title, { body: preview(message), tag: message.id });
    n.onclick = () => { window.focus(); this.app.open(conversationId); n.close(); };
  }
}
