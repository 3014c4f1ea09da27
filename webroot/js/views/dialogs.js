// Modal forms in the one <dialog>: create a room, start a DM or group by picking people (searched
// within the workspace), browse and join public rooms, invite, confirm. showModal() keeps focus inside.
import { h } from '../dom.js';

const dialog = () => document.getElementById('dialog');

function open(title, body, { onClose } = {}) {
  const d = dialog();
  const close = h('button.icon.close', { type: 'button', 'aria-label': 'Close', onclick: () => d.close() }, '×');
  d.replaceChildren(h('header', h('h2', { id: 'dialog-title' }, title), close), body);
  d.onclose = () => onClose?.();
  d.showModal();
  (d.querySelector('[autofocus]') || d.querySelector('input, button:not(.close)'))?.focus();
  return d;
}

function errorLine() { return h('p.form-error', { role: 'alert', hidden: true }); }
function showErr(p, err) { p.textContent = err.message ? `${err.message}${err.code ? ` (${err.code})` : ''}` : String(err); p.hidden = false; }

/** A people picker: type to search the workspace, pick with Enter or a click; picked ones shown as chips. */
function peoplePicker(app, picked) {
  const input = h('input', { type: 'search', placeholder: 'Search people by name', 'aria-label': 'Search people', autocomplete: 'off', autofocus: true });
  const results = h('ul.results', { 'aria-label': 'People found' });
  const chips = h('ul.chips', { 'aria-label': 'Picked' });
  let seq = 0;
  const drawChips = () => chips.replaceChildren(...picked.map((u) => h('li.chip', h('span', app.directory.name(u.userId, u.username)),
    h('button.icon', { type: 'button', 'aria-label': `Remove ${u.username}`, onclick: () => { picked.splice(picked.indexOf(u), 1); drawChips(); search(); } }, '×'))));
  const search = async () => {
    const mine = ++seq;
    const q = input.value;
    const found = q.trim() ? await app.directory.search(q).catch(() => []) : [];
    if (mine !== seq) return;
    results.replaceChildren(...found.filter((u) => u.userId !== app.me).map((u) => {
      const chosen = picked.some((p) => p.userId === u.userId);
      return h('li', h('button.person', { type: 'button', 'aria-pressed': chosen ? 'true' : 'false', onclick: () => {
        if (!chosen) picked.push(u); else picked.splice(picked.findIndex((p) => p.userId === u.userId), 1);
        drawChips(); search(); input.focus();
      } }, h('span.name', u.displayName || u.username), u.displayName ? h('span.hint', ` @${u.username}`) : null));
    }));
  };
  input.addEventListener('input', search);
  return h('div.picker', h('label', 'People', input), chips, results);
}

export function newRoomDialog(app) {
  const picked = [];
  const err = errorLine();
  const form = h('form.stack', { onsubmit: async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    try {
      const room = await app.chat.request('parley.rooms.create', { type: 'room', name: data.get('name').trim(),
        visibility: data.get('visibility'), members: picked.map((u) => u.username) });
      dialog().close();
      app.open(room.id);
    } catch (error) { showErr(err, error); }
  } },
  h('label', 'Name', h('input', { name: 'name', required: true, maxlength: 200, autofocus: true })),
  h('fieldset', h('legend', 'Who can join'),
    h('label.inline', h('input', { type: 'radio', name: 'visibility', value: 'public', checked: true }), ' Anyone in the workspace'),
    h('label.inline', h('input', { type: 'radio', name: 'visibility', value: 'private' }), ' Only people invited')),
  peoplePicker(app, picked), err,
  h('button', { type: 'submit' }, 'Create room'));
  open('New room', form);
}

export function newChatDialog(app) {
  const picked = [];
  const err = errorLine();
  const form = h('form.stack', { onsubmit: async (e) => {
    e.preventDefault();
    if (!picked.length) return showErr(err, { message: 'Pick at least one person' });
    const name = new FormData(form).get('name').trim();
    try {
      const body = picked.length === 1 ? { type: 'dm', members: [picked[0].username] }
        : { type: 'group', members: picked.map((u) => u.username), ...(name && { name }) };
      const conversation = await app.chat.request('parley.rooms.create', body);
      dialog().close();
      app.open(conversation.id);
    } catch (error) { showErr(err, error); }
  } },
  h('p.hint', 'One person: a direct message. Several: a group.'),
  peoplePicker(app, picked),
  h('label', 'Group name ', h('span.optional', '(optional, for groups)'), h('input', { name: 'name', maxlength: 200 })), err,
  h('button', { type: 'submit' }, 'Start'));
  open('New message', form);
}

export async function browseDialog(app) {
  const list = h('ul.results', { 'aria-label': 'Public rooms' }, h('li.hint', 'Loading…'));
  const err = errorLine();
  open('Public rooms', h('div.stack', list, err));
  try {
    const { conversations } = await app.chat.request('parley.rooms.public', {});
    list.replaceChildren(...conversations.map((c) => {
      const joined = !!app.chat.summary(c.id);
      return h('li.room-row', h('span.name', `#${c.name}`), h('span.hint', ` by ${app.directory.name(c.createdBy)}`),
        joined ? h('button.secondary.small', { type: 'button', 'aria-label': `Open #${c.name}`, onclick: () => { dialog().close(); app.open(c.id); } }, 'Open')
          : h('button.small', { type: 'button', 'aria-label': `Join #${c.name}`, onclick: async () => {
            try { await app.chat.request('parley.rooms.join', { conversationId: c.id }); dialog().close(); app.open(c.id); } catch (error) { showErr(err, error); }
          } }, 'Join'));
    }));
    if (!conversations.length) list.replaceChildren(h('li.hint', 'No public rooms yet.'));
  } catch (error) { showErr(err, error); }
}

export function inviteDialog(app, conversationId) {
  const picked = [];
  const err = errorLine();
  const form = h('form.stack', { onsubmit: async (e) => {
    e.preventDefault();
    if (!picked.length) return showErr(err, { message: 'Pick at least one person' });
    try {
      await app.chat.request('parley.rooms.invite', { conversationId, members: picked.map((u) => u.username) });
      dialog().close();
    } catch (error) { showErr(err, error); }
  } }, peoplePicker(app, picked), err, h('button', { type: 'submit' }, 'Invite'));
  open('Invite people', form);
}

export function confirmDialog(title, text, action) {
  return new Promise((resolve) => {
    let answer = false;
    const body = h('div.stack', h('p', text), h('div.row',
      h('button.secondary', { type: 'button', onclick: () => dialog().close() }, 'Cancel'),
      h('button.danger', { type: 'button', autofocus: true, onclick: () => { answer = true; dialog().close(); } }, action)));
    open(title, body, { onClose: () => resolve(answer) });
  });
}

export function imageDialog(file, url, onClose) {
  open(file.name, h('figure.viewer', h('img', { src: url, alt: file.name })), { onClose });
}
