// Connection against the real official client (vertx-eventbus.js) with a fake SockJS underneath, so
// what is tested is that a forced close really makes the official client reconnect.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Connection } from '../src/connection.js';

const sockets = [];
class FakeSockJS {
  constructor(url) { this.url = url; this.readyState = 0; this.listeners = {}; this.sent = []; sockets.push(this); }
  addEventListener(type, fn) { (this.listeners[type] ??= []).push(fn); }
  dispatch(type, e = { type }) {
    if (this[`on${type}`]) this[`on${type}`](e);
    for (const fn of this.listeners[type] ?? []) fn(e);
  }
  send(data) { this.sent.push(JSON.parse(data)); }
  close(code = 1000, reason = 'Normal closure') {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    this.closedWith = code;
    // like sockjs-client: the close event comes on a later turn
    setTimeout(() => { this.readyState = 3; this.dispatch('close', { type: 'close', code, reason }); }, 0);
  }
  // test helpers
  open() { this.readyState = 1; this.dispatch('open'); }
  heartbeat() { this.dispatch('heartbeat'); }
  deliver(json) { this.dispatch('message', { type: 'message', data: JSON.stringify(json) }); }
}
const require = createRequire(import.meta.url);
const sockPath = require.resolve('sockjs-client');
require.cache[sockPath] = { id: sockPath, filename: sockPath, loaded: true, exports: FakeSockJS };
const EventBus = require('@vertx/eventbus-bridge-client.js');

const flush = async () => { for (let i = 0; i < 5; i++) await Promise.resolve(); };

function connection(extra = {}) {
  const states = [];
  const events = [];
  const c = new Connection({
    url: 'http://x/eventbus', EventBus, inbox: 'parley.client.t.me',
    token: async () => 'tok', onEvent: (e) => events.push(e), onState: (s) => states.push(s), ...extra,
  });
  return { c, states, events };
}

test('a socket silent past heartbeatTimeoutMs is reported reconnecting and reopened by the official client', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
  t.after(() => mock.timers.reset());
  sockets.length = 0;
  const { c, states, events } = connection({ heartbeatTimeoutMs: 7500 });
  t.after(() => c.close());
  c.open();
  sockets[0].open();
  await flush();
  assert.equal(sockets[0].sent.find((f) => f.type === 'register').address, 'parley.client.t.me');
  // heartbeats and messages keep it alive well past the timeout
  for (let i = 0; i < 5; i++) { mock.timers.tick(3000); sockets[0].heartbeat(); }
  mock.timers.tick(5000);
  sockets[0].deliver({ type: 'rec', address: 'parley.client.t.me', body: { type: 'ready', conversations: [] } });
  mock.timers.tick(5000);
  assert.deepEqual(events, [{ type: 'ready', conversations: [] }]);
  assert.equal(sockets.length, 1);
  assert.ok(!states.includes('reconnecting'));

  const pending = c.request('parley.delivery.sync', {});
  mock.timers.tick(2500); // 7.5 s of silence since the message
  assert.equal(c.state, 'reconnecting');
  assert.equal(sockets[0].closedWith, 4900);
  await assert.rejects(pending, (e) => e.code === 'OFFLINE');
  mock.timers.tick(1); // the close event → the official client's onclose schedules a reconnect
  mock.timers.tick(10_000);
  assert.equal(sockets.length, 2, 'the official client opened a new socket');
  sockets[1].open();
  await flush();
  assert.equal(c.state, 'registering');
  assert.ok(sockets[1].sent.some((f) => f.type === 'register'));
});

test('before the first heartbeat the wait is 30 s; a server with 25 s heartbeats is not taken for dead', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
  t.after(() => mock.timers.reset());
  sockets.length = 0;
  const { c } = connection({ heartbeatTimeoutMs: 7500 });
  t.after(() => c.close());
  c.open();
  sockets[0].open();
  await flush();
  for (let i = 0; i < 4; i++) { mock.timers.tick(25_000); sockets[0].heartbeat(); }
  mock.timers.tick(60_000);
  assert.equal(c.state, 'registering', 'allowed 2.5 × 25 s');
  mock.timers.tick(2500);
  assert.equal(c.state, 'reconnecting');
  // a socket that never hears a heartbeat gives up after 30 s
  mock.timers.tick(10_000);
  sockets.at(-1).open();
  await flush();
  mock.timers.tick(29_999);
  assert.equal(c.state, 'registering');
  mock.timers.tick(1);
  assert.equal(c.state, 'reconnecting');
});

test('heartbeatTimeoutMs 0 never gives up', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
  t.after(() => mock.timers.reset());
  sockets.length = 0;
  const { c } = connection({ heartbeatTimeoutMs: 0 });
  t.after(() => c.close());
  c.open();
  sockets[0].open();
  await flush();
  mock.timers.tick(60_000);
  assert.equal(sockets.length, 1);
  assert.equal(sockets[0].readyState, 1);
});

test('offline → reconnecting at once; online → a new socket at once, not after the backoff', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
  t.after(() => mock.timers.reset());
  sockets.length = 0;
  const network = new EventTarget();
  const { c, states } = connection({ network });
  t.after(() => c.close());
  c.open();
  sockets[0].open();
  await flush();
  c.markReady();
  network.dispatchEvent(new Event('offline'));
  assert.equal(c.state, 'reconnecting');
  mock.timers.tick(1);
  const before = sockets.length;
  network.dispatchEvent(new Event('online'));
  assert.equal(sockets.length, before + 1, 'opened now');
  assert.equal(c.state, 'connecting');
  mock.timers.tick(10_000);
  assert.equal(sockets.length, before + 1, 'the old backoff timer was cancelled');
  sockets.at(-1).open();
  await flush();
  assert.equal(c.state, 'registering');
  assert.deepEqual(states.slice(0, 4), ['connecting', 'registering', 'online', 'reconnecting']);
  // online while open changes nothing
  network.dispatchEvent(new Event('online'));
  assert.equal(sockets.length, before + 1);
});

test('close() stops listening to the network and does not reconnect', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
  t.after(() => mock.timers.reset());
  sockets.length = 0;
  const network = new EventTarget();
  const { c } = connection({ network });
  c.open();
  sockets[0].open();
  await flush();
  c.close();
  assert.equal(c.state, 'offline');
  network.dispatchEvent(new Event('online'));
  mock.timers.tick(20_000);
  assert.equal(sockets.length, 1);
});
