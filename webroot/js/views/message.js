// One message as a list item: sender and time (unless grouped with the one before), text with safe
// links and mentions, edited/deleted marks, attachments, reactions, thread summary, and its actions.
import { h } from '../dom.js';
import { richText, clock, fullTime, size } from '../format.js';
import { icon } from '../icons.js';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '👀'];

/**
 * @param m the message (latest state)
 * @param ctx {me, names(userId, username), grouped, canDelete, seenBy: string[]|null, files, act(kind, m, arg), inThread}
 */
export function renderMessage(m, ctx) {
  const mine = m.senderId === ctx.me;
  const name = ctx.names(m.senderId, m.senderName);
  const li = h('li.msg', {
    class: [mine && 'mine', ctx.grouped && 'grouped', m.deleted && 'is-deleted'].filter(Boolean).join(' ') || undefined,
    dataset: { seq: m.seq, id: m.id },
  });
  if (!ctx.grouped) {
    li.append(h('div.meta', h('span.sender', name), ' ', h('time', { datetime: new Date(m.createdAt).toISOString(), title: fullTime(m.createdAt) }, clock(m.createdAt))));
  }
  if (m.deleted) {
    li.append(h('p.text.deleted', 'message deleted'));
    return li;
  }
  if (ctx.editing === m.id) {
    li.append(editForm(m, ctx));
    return li;
  }
  const body = h('div.body');
  if (m.text) body.append(h('p.text', richText(m.text, m.mentions, ctx.me)));
  if (m.editedAt) body.append(h('span.edited', { title: fullTime(m.editedAt) }, '(edited)'));
  if (m.attachments?.length) body.append(renderFiles(m.attachments, ctx.files));
  li.append(body);
  if (m.reactions?.length) li.append(renderReactions(m, ctx));
  if (!ctx.inThread && m.replyCount) {
    li.append(h('button.replies.link', { type: 'button', dataset: { focus: `replies-${m.id}` }, onclick: () => ctx.act('thread', m) },
      `${m.replyCount} ${m.replyCount === 1 ? 'reply' : 'replies'}`));
  }
  li.append(renderActions(m, mine, ctx));
  if (ctx.seenBy?.length) li.append(h('p.seen', `Seen by ${ctx.seenBy.join(', ')}`));
  return li;
}

function editForm(m, ctx) {
  const text = h('textarea', { 'aria-label': 'Edit message', rows: 2, dataset: { focus: `edit-${m.id}` } });
  // The draft lives in the view, so a redraw (a reaction, a receipt) does not throw typing away.
  text.value = ctx.editDraft ?? m.text ?? '';
  text.addEventListener('input', () => ctx.act('edit-draft', m, text.value));
  const form = h('form.edit', { onsubmit: (e) => { e.preventDefault(); ctx.act('save-edit', m, text.value); } },
    text, h('div.row', h('button.secondary.small', { type: 'button', onclick: () => ctx.act('cancel-edit', m) }, 'Cancel'),
      h('button.small', { type: 'submit' }, 'Save')));
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); ctx.act('cancel-edit', m); }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  requestAnimationFrame(() => {
    if (text.isConnected && document.activeElement !== text) { text.focus(); text.setSelectionRange(text.value.length, text.value.length); }
  });
  return form;
}

function renderReactions(m, ctx) {
  return h('div.reactions', m.reactions.map((r) => {
    const mineToo = r.users?.some((u) => u.userId === ctx.me);
    const who = (r.users || []).map((u) => ctx.names(u.userId, u.username)).join(', ');
    return h('button.reaction', {
      type: 'button', 'aria-pressed': mineToo ? 'true' : 'false', dataset: { focus: `r-${m.id}-${r.emoji}` },
      title: who, 'aria-label': `${r.emoji} ${r.count}${who ? ': ' + who : ''}`,
      onclick: () => ctx.act(mineToo ? 'unreact' : 'react', m, r.emoji),
    }, `${r.emoji} ${r.count}`);
  }));
}

function renderActions(m, mine, ctx) {
  const bar = h('div.actions', { role: 'group', 'aria-label': 'Message actions' });
  const react = h('details.react-menu',
    h('summary', { 'aria-label': 'Add reaction', title: 'Add reaction', dataset: { focus: `react-${m.id}` } }, icon('smile')),
    h('div.react-choices', QUICK_REACTIONS.map((emoji) => h('button', {
      type: 'button', 'aria-label': `React with ${emoji}`, dataset: { focus: `choice-${m.id}-${emoji}` },
      onclick: (e) => { e.target.closest('details').open = false; ctx.act('react', m, emoji); },
    }, emoji))));
  bar.append(react);
  if (!ctx.inThread) {
    bar.append(h('button.icon', { type: 'button', title: 'Reply in thread', 'aria-label': 'Reply in thread', dataset: { focus: `thread-${m.id}` }, onclick: () => ctx.act('thread', m) }, icon('reply')));
  }
  if (mine) bar.append(h('button.icon', { type: 'button', title: 'Edit', 'aria-label': 'Edit message', dataset: { focus: `edit-btn-${m.id}` }, onclick: () => ctx.act('edit', m) }, icon('edit')));
  if (mine || ctx.canDelete) bar.append(h('button.icon', { type: 'button', title: 'Delete', 'aria-label': 'Delete message', dataset: { focus: `delete-${m.id}` }, onclick: () => ctx.act('delete', m) }, icon('trash')));
  return bar;
}

/** Attachments: image previews (loaded with the token, as blobs) and download buttons. */
export function renderFiles(files, loader) {
  return h('ul.files', files.map((f) => {
    const label = `${f.name} (${size(f.size)})`;
    const item = h('li.file');
    if (f.thumbnail && loader) {
      const img = h('img.thumb', { alt: f.name, width: f.image?.width ? Math.min(320, f.image.width) : undefined });
      if (f.image) img.style.aspectRatio = `${f.image.width} / ${f.image.height}`;
      loader.thumbnail(f.attachmentId).then((url) => { img.src = url; }, () => img.replaceWith(h('span.hint', 'preview unavailable')));
      item.append(h('button.image', { type: 'button', 'aria-label': `Open ${f.name}`, onclick: () => loader.open(f) }, img));
    }
    item.append(h('button.download.link', { type: 'button', onclick: () => loader?.download(f) }, icon('download'), label));
    return item;
  }));
}

/** An own message not yet stored: sending, or failed with what can be done about it. */
export function renderPending(entry, ctx) {
  const li = h('li.msg.mine.pending', { dataset: { state: entry.state, clientMsgId: entry.clientMsgId } });
  const body = h('div.body');
  if (entry.text) body.append(h('p.text', entry.text));
  if (entry.attachments?.length) body.append(renderFiles(entry.attachments.filter((a) => typeof a === 'object'), null));
  li.append(body);
  if (entry.state === 'failed' && entry.retryable !== false && !ctx.online) {
    // Cut off by the connection: the library sends it again (same clientMsgId) once back online.
    li.append(h('p.sending', 'Waiting for the connection…'));
  } else if (entry.state === 'failed') {
    const detail = String(entry.error || '').replace(/^[A-Z_]+: /, '');
    const why = entry.retryable === false ? `Not sent: ${detail || 'refused'}${entry.code ? ` (${entry.code})` : ''}.` : 'Failed to send.';
    li.append(h('p.failed', { role: 'status' }, why, ' ',
      entry.retryable !== false
        ? h('button.link', { type: 'button', dataset: { focus: `retry-${entry.clientMsgId}` }, onclick: () => ctx.act('retry', entry) }, 'Retry')
        : h('button.link', { type: 'button', dataset: { focus: `edit-failed-${entry.clientMsgId}` }, onclick: () => ctx.act('edit-failed', entry) }, 'Edit'),
      ' ', h('button.link', { type: 'button', dataset: { focus: `discard-${entry.clientMsgId}` }, onclick: () => ctx.act('discard', entry) }, 'Discard')));
  } else {
    li.append(h('p.sending', 'Sending…'));
  }
  return li;
}
