import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenManager } from '../src/tokens.js';
import { browserSessionStore, memorySessionStore, SESSION_KEY } from '../src/session-store.js';

const tick = () => new Promise((r) => setImmediate(r));

/** The server's refresh: each token works once; a spent one revokes the family (as PROTOCOL.md says). */
function authServer() {
  let n = 1;
  let live = 'r1';
  let revoked = false;
  const used = [];
  return {
    used,
    pair: (k) => ({ accessToken: `a${k}`, refreshToken: `r${k}`, expiresIn: 900, userId: 'u', username: 'alice', tenant: 't' }),
    async refresh(rt) {
      used.push(rt);
      await tick();
      if (revoked || rt !== live) { revoked = true; throw new Error('REFRESH_TOKEN_REUSED: family revoked'); }
      live = `r${++n}`;
      return this.pair(n);
    },
  };
}

function tab(shared, server, extra = {}) {
  const events = [];
  const tokens = new TokenManager({
    refresh: (rt) => server.refresh(rt),
    store: shared.store(),
    onChange: (s) => events.push(s && s.accessToken),
    onExpired: (e) => events.push(`expired ${e.message}`),
    onRemoteSignOut: (e) => events.push(`signed out: ${e.code}`),
    ...extra,
  });
  return { tokens, events };
}

test('two tabs sharing one store refresh once, not twice: the second adopts the first one\'s pair', async (t) => {
  const server = authServer();
  const shared = memorySessionStore();
  const a = tab(shared, server);
  const b = tab(shared, server);
  t.after(() => { a.tokens.clear({ save: false }); b.tokens.clear({ save: false }); });
  a.tokens.set(server.pair(1));
  assert.equal(b.tokens.session.refreshToken, 'r1', 'b adopted a\'s login');
  const [sa, sb] = await Promise.all([a.tokens.refresh(), b.tokens.refresh()]);
  assert.deepEqual(server.used, ['r1'], 'one refresh with r1; never a reuse');
  assert.equal(sa.refreshToken, 'r2');
  assert.equal(sb.refreshToken, 'r2');
  assert.equal(shared.store().load().refreshToken, 'r2');
  assert.ok(!a.events.some((e) => /expired/.test(e)) && !b.events.some((e) => /expired/.test(e)));
});

test('without a shared store the same two tabs reuse the token and the family is revoked (why the lock exists)', async () => {
  const server = authServer();
  const mk = () => new TokenManager({ refresh: (rt) => server.refresh(rt) });
  const a = mk();
  const b = mk();
  a.set(server.pair(1));
  b.set(server.pair(1));
  const r = await Promise.allSettled([a.refresh(), b.refresh()]);
  assert.deepEqual(server.used, ['r1', 'r1']);
  assert.equal(r.filter((x) => x.status === 'rejected').length, 1);
  a.clear(); b.clear();
});

test('a refresh by another tab is adopted; logout in another tab signs this one out', async () => {
  const server = authServer();
  const shared = memorySessionStore();
  const a = tab(shared, server);
  const b = tab(shared, server);
  a.tokens.set(server.pair(1));
  await a.tokens.refresh();
  assert.equal(b.tokens.accessToken, 'a2');
  assert.deepEqual(b.events, ['a1', 'a2']);
  a.tokens.clear();
  assert.equal(b.tokens.session, null);
  assert.deepEqual(b.events.slice(2), [null, 'signed out: SIGNED_OUT']);
  assert.equal(shared.store().load(), null);
});

test('an older pair heard late is not adopted over a newer one', () => {
  const shared = memorySessionStore();
  const server = authServer();
  const a = tab(shared, server);
  a.tokens.set({ ...server.pair(3), expiresAt: 2_000_000 }, { save: false });
  a.tokens._adopt({ ...server.pair(2), expiresAt: 1_000_000 });
  assert.equal(a.tokens.session.refreshToken, 'r3');
  a.tokens.clear({ save: false });
});

test('browserSessionStore: localStorage, storage events from other tabs, navigator.locks', async () => {
  const data = new Map();
  const storage = { getItem: (k) => (data.has(k) ? data.get(k) : null), setItem: (k, v) => data.set(k, String(v)), removeItem: (k) => data.delete(k) };
  const locked = [];
  const locks = { request: async (name, fn) => { locked.push(name); return fn(); } };
  const events = new EventTarget();
  const store = browserSessionStore(storage, locks, events);
  assert.equal(store.load(), null);
  const s = { tenant: 't', userId: 'u', username: 'alice', accessToken: 'a1', refreshToken: 'r1', expiresAt: 5 };
  store.save(s);
  assert.deepEqual(JSON.parse(data.get(SESSION_KEY)), s);
  const heard = [];
  const off = store.subscribe((x) => heard.push(x && x.refreshToken));
  data.set(SESSION_KEY, JSON.stringify({ ...s, refreshToken: 'r2' }));
  events.dispatchEvent(Object.assign(new Event('storage'), { key: SESSION_KEY }));
  events.dispatchEvent(Object.assign(new Event('storage'), { key: 'other' }));
  store.save(null);
  events.dispatchEvent(Object.assign(new Event('storage'), { key: SESSION_KEY }));
  off();
  events.dispatchEvent(Object.assign(new Event('storage'), { key: SESSION_KEY }));
  assert.deepEqual(heard, ['r2', null]);
  assert.equal(await store.lock('parley.refresh', () => 42), 42);
  assert.deepEqual(locked, ['parley.refresh']);
  assert.equal(await browserSessionStore(storage, undefined, events).lock('x', () => 7), 7, 'no locks: runs directly');
  data.set(SESSION_KEY, '{broken');
  assert.equal(store.load(), null);
});
