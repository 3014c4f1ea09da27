// The conversation list: rooms, direct messages and groups, newest activity first, each with its
// unread and mention badges, a presence dot for DMs, the last message and its time.
import { h, reconcile } from '../dom.js';
import { preview, shortTime } from '../format.js';
import { routeHref } from '../router.js';

/** How a conversation is named on screen (the same everywhere: list, header, notifications). */
export function conversationName(info, app) {
  if (info.type === 'dm') {
    const other = (info.dmUsers || []).find((u) => u.userId !== app.me) || info.dmUsers?.[0];
    return other ? app.directory.name(other.userId, other.username) : 'Direct message';
  }
  if (info.type === 'group') return info.name || app.groupNames.get(info.id) || 'Group';
  return `#${info.name}`;
}

export function dmPartner(info, me) {
  return info.type === 'dm' ? (info.dmUsers || []).find((u) => u.userId !== me) : null;
}

export function renderSidebar(app) {
  const all = app.chat.summaries();
  const names = new Map();
  for (const s of all) names.set(s.info.id, conversationName(s.info, app));
  // Rooms of one name are told apart by who created them (and whether they are private).
  const count = new Map();
  for (const s of all) if (s.info.type === 'room') count.set(names.get(s.info.id), (count.get(names.get(s.info.id)) || 0) + 1);
  const byActivity = (a, b) => (b.lastMessage?.createdAt ?? b.info.createdAt ?? 0) - (a.lastMessage?.createdAt ?? a.info.createdAt ?? 0)
    || names.get(a.info.id).localeCompare(names.get(b.info.id));
  for (const type of ['room', 'dm', 'group']) {
    const list = document.getElementById(`list-${type}`);
    const rows = all.filter((s) => s.info.type === type).sort(byActivity).map((s) => {
      let name = names.get(s.info.id);
      if (type === 'room' && count.get(name) > 1) name += ` · by ${app.directory.name(s.info.createdBy)}`;
      return row(s, name, app);
    });
    reconcile(list, rows);
    list.closest('section').hidden = !rows.length;
  }
  document.getElementById('no-convs').hidden = all.length > 0;
}

function row(s, name, app) {
  const { info } = s;
  const current = app.current === info.id;
  const partner = dmPartner(info, app.me);
  const presence = partner ? app.directory.presenceOf(partner.userId) : null;
  const unread = current ? 0 : s.unread;
  const mentions = current ? 0 : s.unreadMentions;
  const last = s.lastMessage;
  const sig = JSON.stringify([name, current, presence, unread, mentions, last?.seq, last?.text, last?.deleted, info.muted, info.visibility, app.namesVersion]);
  return {
    key: info.id, sig,
    render: () => {
      // What only colour or position shows is said in words for screen readers (the name stays first).
      const said = [presence && presence !== 'offline' ? presence : null, unread ? `${unread} unread` : null,
        mentions ? `${mentions} mention${mentions > 1 ? 's' : ''}` : null, info.muted ? 'muted' : null].filter(Boolean).join(', ');
      return h('li', h('a.conv', {
        href: routeHref(info.id), dataset: { conversation: info.id, focus: `conv-${info.id}` }, 'aria-current': current ? 'page' : undefined,
        class: [unread && 'has-unread', info.muted && 'muted'].filter(Boolean).join(' ') || undefined,
      },
      partner ? h('span.dot', { dataset: { presence }, 'aria-hidden': 'true' }) : h('span.kind', { 'aria-hidden': 'true' }, info.type === 'room' ? (info.visibility === 'private' ? '🔒' : '#') : '👥'),
      h('span.conv-main',
        h('span.conv-top', h('span.name', info.type === 'room' ? name.replace(/^#/, '') : name), last ? h('time.when', shortTime(last.createdAt)) : null),
        h('span.conv-bottom', h('span.preview', preview(last)),
          mentions ? h('span.badge.mention', { 'aria-hidden': 'true' }, `@${mentions}`) : null,
          unread ? h('span.badge.unread', { 'aria-hidden': 'true' }, String(unread)) : null)),
      said ? h('span.sr-only', `, ${said}`) : null));
    },
  };
}
