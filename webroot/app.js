// Parley minimal web client: REST for the account, the SockJS event-bus bridge for everything else.
// No frameworks, no build. User text only ever reaches the page through textContent.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const KEY = 'parley.session';
  const REQUEST_TIMEOUT_MS = 15000;

  let session = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  let eb = null;
  let refreshTimer = null;
  let refreshing = null;
  let current = null;            // id of the conversation on screen
  // id -> {info, msgs: Map(seq -> message), pending: Map(clientMsgId -> unsent), last, readSeq}.
  // `last` is the seq up to which this page has every message (undefined: never synced here).
  const convs = new Map();
  const outstanding = new Set(); // reject functions of bridge requests awaiting their reply

  // ---- errors and status ---------------------------------------------------------------------
  // Server failures read "CODE: detail" (bridge err.message; REST {error} is rebuilt the same way).
  const codeOf = (err) => (/^([A-Z][A-Z_]+): /.exec((err && err.message) || '') || [])[1] || '';
  function describe(err) {
    const text = (err && (err.message || err.body)) || String(err);
    const code = codeOf(err);
    const detail = text.slice(code ? code.length + 2 : 0);
    return detail.charAt(0).toUpperCase() + detail.slice(1) + (code ? ' (' + code + ')' : '');
  }
  let errorTimer = null;
  function showError(err) {
    $('error-text').textContent = describe(err);
    $('error').hidden = false;
    clearTimeout(errorTimer);
    errorTimer = setTimeout(() => { $('error').hidden = true; }, 8000);
  }
  function setStatus(state) {
    $('status').dataset.state = state;
    $('status').textContent = state;
  }

  // ---- REST and tokens -----------------------------------------------------------------------
  async function api(method, path, body, auth) {
    const headers = { 'content-type': 'application/json' };
    if (auth) headers.authorization = 'Bearer ' + session.accessToken;
    const res = await fetch('/api' + path, { method, headers, body: body && JSON.stringify(body) })
      .catch(() => { throw new Error('NETWORK: the server cannot be reached'); });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error ? data.error.code + ': ' + data.error.message : 'HTTP_' + res.status + ': request failed');
    return data;
  }

  function saveTokens(pair) {
    const { tenant, userId, username, accessToken, refreshToken } = pair;
    session = { tenant, userId, username, accessToken, refreshToken, expiresAt: Date.now() + pair.expiresIn * 1000 };
    sessionStorage.setItem(KEY, JSON.stringify(session));
    if (eb) eb.defaultHeaders = { authorization: 'Bearer ' + accessToken };
    scheduleRefresh();
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    const ttl = session.expiresAt - Date.now();
    // A minute before expiry; a quarter of the lifetime before it when lifetimes are short.
    refreshTimer = setTimeout(() => refresh().catch(() => {}), Math.max(0, ttl - Math.min(60000, ttl / 4)));
  }

  /** One refresh at a time; refresh tokens rotate, so a second concurrent use would count as reuse. */
  function refresh() {
    if (refreshing) return refreshing;
    const spent = session.refreshToken;
    refreshing = api('POST', '/auth/refresh', { refreshToken: spent })
      .then((pair) => {
        if (session && session.refreshToken === spent) saveTokens(pair);
        // Present the new token on the socket: the server closes connections whose token has expired.
        if (eb && eb.state === EventBus.OPEN && $('status').dataset.state === 'online') syncAll();
      })
      .catch((err) => {
        if (!session) throw err;
        if (/^(REFRESH_TOKEN_|VALIDATION)/.test(codeOf(err))) {
          signOut();
          showError('Your session has ended; please log in again.');
        } else {
          refreshTimer = setTimeout(() => refresh().catch(() => {}), 10000); // server unreachable: keep trying
        }
        throw err;
      })
      .finally(() => { refreshing = null; });
    return refreshing;
  }
  const freshToken = () => (session.expiresAt - Date.now() < 5000 ? refresh() : Promise.resolve());

  // crypto.randomUUID exists only in secure contexts (plain http on a LAN address is not one).
  const uuid = () => (crypto.randomUUID ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(''));

  // ---- the bridge ----------------------------------------------------------------------------
  function request(address, body, retried) {
    return new Promise((resolve, reject) => {
      if (!eb || eb.state !== EventBus.OPEN) return reject(new Error('OFFLINE: not connected to the server'));
      const done = (fn, value) => { clearTimeout(timer); outstanding.delete(fail); fn(value); };
      const fail = (err) => done(reject, err);
      const timer = setTimeout(() => fail(new Error('TIMEOUT: no answer from the server')), REQUEST_TIMEOUT_MS);
      outstanding.add(fail);
      eb.send(address, body, (err, reply) => (err ? fail(err) : done(resolve, reply.body)));
    }).catch((err) => {
      // A token that expired unnoticed (a laptop asleep past the refresh): refresh once and repeat.
      if (!retried && /^TOKEN_/.test(codeOf(err))) return refresh().then(() => request(address, body, true));
      throw err;
    });
  }

  function connect() {
    setStatus('connecting');
    const bus = eb = new EventBus('/eventbus');
    bus.enableReconnect(true);
    const inbox = 'parley.client.' + session.tenant + '.' + session.userId;
    const onEvent = (err, msg) => {
      if (!err) return handleEvent(msg.body);
      showError(err);
      if (/^TOKEN_/.test(codeOf(err))) { // registration refused for the token: refresh, register again
        bus.unregisterHandler(inbox, onEvent);
        refresh().then(() => bus.registerHandler(inbox, onEvent)).catch(() => {});
      }
    };
    // The client forgets its handlers on every reconnect, so register on every open.
    bus.onopen = () => freshToken().then(() => {
      bus.defaultHeaders = { authorization: 'Bearer ' + session.accessToken };
      bus.registerHandler(inbox, onEvent);
    }).catch(() => {});
    bus.onclose = () => {
      // Replies still owed are lost with the socket: fail those requests now, not at the timeout.
      outstanding.forEach((fail) => fail(new Error('OFFLINE: connection lost')));
      if (bus.reconnectEnabled) setStatus('reconnecting');
    };
    bus.onerror = showError;
  }

  // ---- conversation state --------------------------------------------------------------------
  function conv(info) {
    let c = convs.get(info.id);
    if (!c) convs.set(info.id, c = { info, msgs: new Map(), pending: new Map(), readSeq: info.readSeq ?? info.lastSeq ?? 0 });
    else c.info = Object.assign({}, c.info, info);
    c.readSeq = Math.max(c.readSeq, info.readSeq || 0);
    return c;
  }

  function title(c) {
    const other = (c.info.dmUsers || []).find((u) => u.userId !== session.userId);
    return other ? '@' + other.username : c.info.name || (c.info.type === 'group' ? 'Group' : 'Room');
  }

  const maxSeq = (c) => Math.max(0, ...c.msgs.keys());
  // Counted as the server does: everything after the read position (lastSeq covers what is not loaded).
  const unread = (c) => Math.max(0, Math.max(c.info.lastSeq || 0, maxSeq(c)) - c.readSeq);

  /** Keeps messages by seq (so repeats dedupe); a stored message replaces our pending copy of it. */
  function merge(c, messages) {
    for (const m of messages) {
      c.msgs.set(m.seq, m);
      if (m.senderId === session.userId) c.pending.delete(m.clientMsgId);
    }
  }

  /** A page complete from seq `from` on (sync, or history after=): moves `last` forward. */
  function mergeForward(c, from, page) {
    merge(c, page.messages);
    c.last = Math.max(c.last ?? 0, from, ...page.messages.map((m) => m.seq));
    while (c.msgs.has(c.last + 1)) c.last++;
    // More pages, or live messages that arrived past a gap while this page was on its way.
    if (page.hasMore || (page.messages.length && maxSeq(c) > c.last)) catchUp(c);
    render(c);
  }

  function catchUp(c) {
    if (c.catching) return;
    c.catching = true;
    const from = c.last ?? 0;
    request('parley.delivery.history', { conversationId: c.info.id, after: from, limit: 200 })
      .then((page) => { c.catching = false; mergeForward(c, from, page); }, (err) => { c.catching = false; showError(err); });
  }

  function onMessage(c, m) {
    const gap = c.last !== undefined && m.seq > c.last + 1;
    // Our own message (from this or another tab) means we have read up to it: the server sends no read event.
    if (m.senderId === session.userId) c.readSeq = Math.max(c.readSeq, m.seq);
    merge(c, [m]);
    if (gap) catchUp(c); // something was missed: fetch history after the last seq we have
    else c.last = Math.max(c.last ?? 0, m.seq);
    render(c);
  }

  /**
   * An edit or delete: the event carries the message's new state. One we do not hold yet is left alone
   * (it comes in its latest state); a changeSeq past the next one means we missed some: sync.
   */
  function onChanged(c, e) {
    const gap = c.changeSeq !== undefined && e.changeSeq > c.changeSeq + 1;
    if (c.msgs.has(e.message.seq)) c.msgs.set(e.message.seq, e.message);
    // On a gap our position stays where it was, so the sync brings what was missed.
    if (gap) syncAll();
    else c.changeSeq = Math.max(c.changeSeq ?? 0, e.changeSeq);
    render(c);
  }

  function handleEvent(e) {
    const c = convs.get(e.conversationId);
    switch (e.type) {
      case 'ready': return onReady(e.conversations);
      case 'resync': return syncAll(); // the server's fan-out reconnected: live events may be missing
      case 'message': return c && onMessage(c, e.message);
      case 'message.changed': return c && onChanged(c, e);
      case 'read': // our own read position, moved by another tab or device
        if (c && e.userId === session.userId) { c.readSeq = Math.max(c.readSeq, e.readSeq); renderList(); }
        return;
      case 'member.joined':
      case 'member.left':
        if (e.conversationId === current) note(e.username + (e.type === 'member.joined' ? ' joined' : ' left'));
        return;
      case 'conversation.added': {
        const added = conv(e.conversation);
        added.last = added.last ?? e.conversation.lastSeq ?? 0;
        return renderList();
      }
      case 'conversation.removed':
        convs.delete(e.conversationId);
        return e.conversationId === current ? show(null) : renderList();
    }
  }

  function onReady(list) {
    setStatus('online');
    const ids = new Set(list.map((i) => i.id));
    for (const id of convs.keys()) if (!ids.has(id)) convs.delete(id);
    list.forEach(conv);
    renderList();
    syncAll();
  }

  function syncAll() {
    // Catch up from what this page has; conversations new to it start at the read position.
    // Edits and deletes of what we hold come as changes after our changeSeq.
    const from = {};
    const positions = {};
    convs.forEach((c, id) => {
      if (c.last !== undefined) {
        from[id] = c.last;
        positions[id] = { seq: c.last, changeSeq: c.changeSeq ?? 0 };
      }
    });
    request('parley.delivery.sync', { positions }).then((res) => {
      let moreChanges = false;
      for (const [id, page] of Object.entries(res.conversations)) {
        const c = convs.get(id);
        if (!c) continue;
        c.readSeq = Math.max(c.readSeq, page.readSeq);
        for (const change of page.changes || []) if (c.msgs.has(change.message.seq)) c.msgs.set(change.message.seq, change.message);
        c.changeSeq = Math.max(c.changeSeq ?? 0, page.changeSeq ?? 0);
        moreChanges = moreChanges || page.changesHaveMore;
        // New here and far behind (a busy room never read): start at the newest page instead of
        // walking the whole backlog; older pages load on demand.
        if (from[id] === undefined && page.hasMore) loadPage(c);
        else mergeForward(c, from[id] ?? page.readSeq, page);
      }
      if (moreChanges) syncAll();
      if (current && !convs.has(current)) show(null);
      // Sends cut off by the connection go again with the same clientMsgId; the server dedupes them.
      convs.forEach((c) => c.pending.forEach((p) => { if (p.state === 'failed' && p.auto) send(c, p.text, p.clientMsgId); }));
    }, showError);
  }

  // ---- actions -------------------------------------------------------------------------------
  function send(c, text, clientMsgId) {
    const p = { clientMsgId, text, state: 'pending', createdAt: Date.now() };
    c.pending.set(clientMsgId, p);
    render(c);
    request('parley.delivery.send', { conversationId: c.info.id, clientMsgId, text })
      .then((m) => onMessage(c, m), (err) => {
        if (c.pending.get(clientMsgId) !== p) return;
        Object.assign(p, { state: 'failed', error: describe(err), auto: /^(OFFLINE|TIMEOUT|SERVICE_UNAVAILABLE)$/.test(codeOf(err)) });
        render(c);
      });
  }

  function markRead(c) {
    const top = c ? maxSeq(c) : 0;
    if (!c || c.info.id !== current || top <= c.readSeq || c.marking || document.visibilityState !== 'visible') return;
    c.marking = true;
    request('parley.rooms.read', { conversationId: c.info.id, seq: top }).then((r) => {
      c.marking = false;
      c.readSeq = Math.max(c.readSeq, r.readSeq);
      renderList();
      markRead(c); // more may have arrived meanwhile
    }, () => { c.marking = false; });
  }

  /** The newest page of history, or the page before seq `before`. */
  function loadPage(c, before) {
    return request('parley.delivery.history', { conversationId: c.info.id, limit: 50, ...(before && { before }) }).then((page) => {
      merge(c, page.messages);
      if (!before) c.last = Math.max(c.last ?? 0, ...page.messages.map((m) => m.seq));
      c.hasOlder = c.msgs.size > 0 && Math.min(...c.msgs.keys()) > 1;
      c.loaded = true;
      render(c, !!before);
    }, showError);
  }

  function show(id) {
    current = id;
    const c = convs.get(id);
    document.body.classList.toggle('chat-open', !!c);
    $('empty').hidden = !!c;
    $('chat-head').hidden = $('composer').hidden = $('scroller').hidden = !c;
    note('');
    renderList();
    if (!c) return;
    $('chat-title').textContent = title(c);
    render(c);
    if (!c.loaded) loadPage(c);
    if (matchMedia('(min-width: 700px)').matches) $('composer').elements.text.focus();
  }

  function open(info) {
    const c = conv(info);
    c.last = c.last ?? info.lastSeq ?? 0;
    show(info.id);
  }

  let noteTimer = null;
  function note(text) {
    $('chat-note').textContent = text;
    clearTimeout(noteTimer);
    noteTimer = setTimeout(() => { $('chat-note').textContent = ''; }, 5000);
  }

  // ---- rendering -----------------------------------------------------------------------------
  /** An element; text only through textContent; `data` becomes data-* attributes. */
  function el(tag, cls, text, data) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    if (tag === 'button') e.type = 'button';
    Object.assign(e.dataset, data);
    return e;
  }

  function when(ts) {
    const d = new Date(ts);
    const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return d.toDateString() === new Date().toDateString() ? time : d.toLocaleDateString() + ' ' + time;
  }

  function renderList() {
    const ul = $('convs');
    ul.textContent = '';
    let total = 0;
    const activity = (c) => (c.msgs.get(maxSeq(c)) || c.info).createdAt || 0;
    [...convs.values()].sort((a, b) => activity(b) - activity(a)).forEach((c) => {
      const b = el('button', null, undefined, { id: c.info.id });
      b.append(el('span', 'name', title(c)));
      const n = unread(c);
      total += n;
      if (n) b.append(el('span', 'badge', n > 99 ? '99+' : String(n)));
      ul.appendChild(el('li', c.info.id === current ? 'conv active' : 'conv')).append(b);
    });
    $('no-convs').hidden = convs.size > 0;
    document.title = (total ? '(' + total + ') ' : '') + 'Parley';
  }

  function render(c, keepScroll) {
    renderList();
    if (!c || c.info.id !== current) return;
    const box = $('scroller');
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
    const oldHeight = box.scrollHeight;
    const ol = $('messages');
    ol.textContent = '';
    const items = [...c.msgs.values()].sort((a, b) => a.seq - b.seq).concat([...c.pending.values()]);
    for (const m of items) {
      const mine = m.state || m.senderId === session.userId;
      const li = ol.appendChild(el('li', 'msg' + (mine ? ' mine' : '') + (m.state ? ' ' + m.state : '')));
      const meta = li.appendChild(el('div', 'meta'));
      meta.append(el('span', 'who', mine ? 'you' : m.senderName), el('span', 'time', when(m.createdAt)));
      if (m.editedAt && !m.deleted) meta.append(el('span', 'time', '(edited)'));
      li.append(m.deleted ? el('div', 'text deleted', 'message deleted') : el('div', 'text', m.text));
      if (m.state === 'pending') li.append(el('div', 'state', 'sending…'));
      if (m.state === 'failed') {
        li.appendChild(el('div', 'state', 'Not sent: ' + m.error + ' ')).append(el('button', 'retry', 'Retry', { retry: m.clientMsgId }));
      }
    }
    $('older').hidden = !c.hasOlder;
    if (keepScroll) box.scrollTop += box.scrollHeight - oldHeight;
    else if (atBottom || (items.length && items[items.length - 1].state)) box.scrollTop = box.scrollHeight;
    markRead(c);
  }

  // ---- wiring --------------------------------------------------------------------------------
  function signOut() {
    clearTimeout(refreshTimer);
    const old = eb;
    eb = session = current = null;
    if (old) { old.onclose = null; try { old.close(); } catch (e) { /* was not open */ } }
    sessionStorage.removeItem(KEY);
    convs.clear();
    setStatus('offline');
    startUi();
  }

  function startUi() {
    $('login').hidden = !!session;
    $('app').hidden = $('logout').hidden = !session;
    $('me').textContent = session ? session.username + ' @ ' + session.tenant : '';
    if (!session) return;
    show(null);
    scheduleRefresh();
    connect();
  }

  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const creds = { tenant: f.tenant.value.trim().toLowerCase(), username: f.username.value.trim(), password: f.password.value };
    const buttons = e.target.querySelectorAll('button');
    buttons.forEach((b) => { b.disabled = true; });
    try {
      if (e.submitter && e.submitter.value === 'register') await api('POST', '/auth/register', creds);
      saveTokens(await api('POST', '/auth/login', creds));
      f.password.value = '';
      startUi();
    } catch (err) {
      showError(err);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });

  $('logout').addEventListener('click', () => {
    api('POST', '/auth/logout', { refreshToken: session.refreshToken }).catch(() => {});
    signOut();
  });

  // Create a public room, or open a DM (the server answers with the existing DM if there is one).
  const creator = (form, body) => $(form).addEventListener('submit', (e) => {
    e.preventDefault();
    const input = e.target.elements[0];
    request('parley.rooms.create', body(input.value.trim())).then((info) => { input.value = ''; open(info); }, showError);
  });
  creator('room-form', (name) => ({ type: 'room', name }));
  creator('dm-form', (username) => ({ type: 'dm', members: [username] }));

  $('browse').addEventListener('click', () => {
    const ul = $('public');
    if (!ul.hidden) { ul.hidden = true; return; }
    api('GET', '/conversations?scope=public', null, true).then((res) => {
      ul.textContent = '';
      res.conversations.forEach((room) => ul.appendChild(el('li')).append(el('span', 'name', room.name || 'Room'),
        el('button', 'secondary', convs.has(room.id) ? 'Open' : 'Join', { join: room.id })));
      if (!res.conversations.length) ul.append(el('li', 'hint', 'No public rooms yet.'));
      ul.hidden = false;
    }, showError);
  });

  $('public').addEventListener('click', (e) => {
    const id = e.target.dataset.join;
    if (!id) return;
    if (convs.has(id)) return show(id);
    request('parley.rooms.join', { conversationId: id }).then((info) => { e.target.textContent = 'Open'; open(info); }, showError);
  });

  $('convs').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-id]');
    if (b) show(b.dataset.id);
  });

  $('messages').addEventListener('click', (e) => {
    const c = convs.get(current);
    const p = c && c.pending.get(e.target.dataset.retry);
    if (p) send(c, p.text, p.clientMsgId); // same clientMsgId: never stored twice
  });

  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const box = e.target.elements.text;
    const c = convs.get(current);
    if (!box.value.trim() || !c) return;
    send(c, box.value.trim(), uuid());
    box.value = '';
  });

  $('composer').elements.text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $('composer').requestSubmit();
    }
  });

  $('older').addEventListener('click', () => loadPage(convs.get(current), Math.min(...convs.get(current).msgs.keys())));
  $('back').addEventListener('click', () => show(null));
  $('error-close').addEventListener('click', () => { $('error').hidden = true; });
  document.addEventListener('visibilitychange', () => markRead(convs.get(current)));

  startUi();
})();
