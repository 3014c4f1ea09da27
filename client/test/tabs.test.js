// What survives a reload and what two tabs share: the persisted outbox and the session store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient, memorySessionStore } from '../src/index.js';
import { fakeBus, tick, session, m, ready } from './fake-bus.js';

function memoryStorage() {
  const data = new Map();
  return { data, getItem: (k) => (data.has(k) ? data.get(k) : null), setItem: (k, v) => data.set(k, String(v)), removeItem: (k) => data.delete(k) };
}
const emptySync = { body: { conversations: { c: { messages: [], hasMore: false, readSeq: 0, changes: [], changeSeq: 0 } } } };

test('an outbox kept in storage is shown as pending after a reload and resent with the same clientMsgId', async (t) => {
  const storage = memoryStorage();
  let online = false;
  const { FakeBus, buses } = fakeBus((address, body) => {
    if (address === 'parley.delivery.sync') return emptySync;
    if (address === 'parley.delivery.send') return online ? { body: m(1, { senderId: 'me', clientMsgId: body.clientMsgId, text: body.text }) } : new Promise(() => {});
    return { body: {} };
  });
  // the first page: the send never gets its answer, then the page is gone
  const before = new ParleyClient({ baseUrl: 'http://x', EventBus: FakeBus, session, storage });
  await ready(before, buses, [{ id: 'c', type: 'room', lastSeq: 0, readSeq: 0 }]);
  const att = { attachmentId: 'att1', name: 'cat.png', size: 3, contentType: 'image/png' };
  const sent = before.send('c', 'hello', { attachments: [att] });
  const key = 'parley.outbox.t.me';
  assert.deepEqual(JSON.parse(storage.data.get(key)).map((e) => [e.clientMsgId, e.state]), [[sent.clientMsgId, 'sending']]);
  before.connection.close();
  before.connection = null;
  before.tokens.clear({ save: false });

  online = true;
  const after = new ParleyClient({ baseUrl: 'http://x', EventBus: FakeBus, session, storage });
  t.after(() => { after.disconnect(); after.tokens.clear(); });
  const outbox = [];
  after.addEventListener('outbox', (e) => outbox.push([e.detail.entry.clientMsgId, e.detail.entry.state]));
  const connecting = after.connect();
  assert.deepEqual(outbox, [[sent.clientMsgId, 'failed']], 'shown as pending at connect()');
  assert.deepEqual(after.messages('c').pending[0].attachments, [att], 'with its attachment records');
  await connecting;
  const bus = buses.at(-1);
  bus.open();
  await tick();
  assert.equal(bus.sent.length, 0, 'nothing is resent before the sync');
  bus.deliver({ type: 'ready', conversations: [{ id: 'c', type: 'room', lastSeq: 0, readSeq: 0 }] });
  await tick();
  const sends = bus.sent.filter((s) => s.address === 'parley.delivery.send');
  assert.equal(sends.length, 1);
  assert.deepEqual(sends[0].body, { conversationId: 'c', clientMsgId: sent.clientMsgId, text: 'hello', attachments: ['att1'] });
  assert.deepEqual(outbox.at(-1), [sent.clientMsgId, 'sent']);
  assert.equal(storage.data.has(key), false, 'settled: removed from storage');
});

test('two tabs sharing one session store: one refresh, both on the new pair; logout in one signs the other out', async (t) => {
  const shared = memorySessionStore();
  const refreshes = [];
  let n = 1;
  const fetch = async (url, init) => {
    const body = JSON.parse(init.body);
    if (url.endsWith('/api/auth/refresh')) {
      refreshes.push(body.refreshToken);
      await tick();
      n++;
      return new Response(JSON.stringify({ ...session, accessToken: `a${n}`, refreshToken: `r${n}` }), { status: 200 });
    }
    return new Response(null, { status: 204 });
  };
  const one = new ParleyClient({ baseUrl: 'http://x', fetch, sessionStore: shared.store() });
  await one.tokens.set(session);
  const two = new ParleyClient({ baseUrl: 'http://x', fetch, sessionStore: shared.store() });
  t.after(() => { one.tokens.clear({ save: false }); two.tokens.clear({ save: false }); });
  assert.equal(two.session.refreshToken, 'r1', 'the saved session is loaded at construction');
  const sessions = [];
  two.addEventListener('session', (e) => sessions.push(e.detail.session?.accessToken));
  await Promise.all([one.tokens.refresh(), two.tokens.refresh()]);
  assert.deepEqual(refreshes, ['r1']);
  assert.equal(two.session.accessToken, 'a2');
  assert.deepEqual(sessions, ['a2']);
  const out = [];
  two.addEventListener('signedout', (e) => out.push(e.detail.reason.code));
  await one.logout();
  assert.equal(two.session, null);
  assert.deepEqual(out, ['SIGNED_OUT']);
});

test('chat.upload uses the fresh token and the conversation\'s path; fetchAttachment the thumbnail path', async (t) => {
  const seen = [];
  const fetch = async (url, init) => {
    seen.push([url, init.headers.authorization]);
    return url.includes('/thumbnail') ? new Response(new Blob(['img'])) : new Response(JSON.stringify({ attachmentId: 'a1' }), { status: 201 });
  };
  const chat = new ParleyClient({ baseUrl: 'http://x/', fetch, session, XMLHttpRequest: null });
  t.after(() => chat.tokens.clear());
  assert.deepEqual(await chat.upload('c 1', new Uint8Array([1]), { name: 'f.txt' }), { attachmentId: 'a1' });
  assert.equal(await (await chat.fetchAttachment('a1', { thumbnail: true })).text(), 'img');
  assert.deepEqual(seen, [['http://x/api/conversations/c%201/attachments', 'Bearer a1'], ['http://x/api/attachments/a1/thumbnail', 'Bearer a1']]);
});
