import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient } from '../src/index.js';
import { fakeBus, tick, session, m } from './fake-bus.js';

test('ready → sync, a live gap is paged once, a send cut off by a drop is resent with the same clientMsgId', async (t) => {
  let online = true;
  const history = [];
  const { FakeBus, buses } = fakeBus((address, body) => {
    if (address === 'parley.delivery.sync') return { body: { conversations: { c: { messages: [m(1), m(2)], hasMore: false, readSeq: 0, changes: [], changeSeq: 0 } } } };
    if (address === 'parley.delivery.history') { history.push(body.after); return { body: { messages: [m(3), m(4), m(5)], hasMore: false } }; }
    if (address === 'parley.delivery.send') return online ? { body: { ...m(6, { senderId: 'me', clientMsgId: body.clientMsgId, text: body.text }), duplicate: true } } : new Promise(() => {});
    return { body: {} };
  });
  const client = new ParleyClient({ baseUrl: 'http://x', EventBus: FakeBus, session });
  t.after(() => { client.disconnect(); client.tokens.clear(); });
  const shown = [];
  const outbox = [];
  client.addEventListener('message', (e) => shown.push(e.detail.message.seq));
  client.addEventListener('outbox', (e) => outbox.push(e.detail.entry.state));
  await client.connect();
  buses[0].open();
  await tick();
  assert.equal(buses[0].sent.length, 0);
  buses[0].deliver({ type: 'ready', conversations: [{ id: 'c', type: 'room', lastSeq: 2, readSeq: 0 }] });
  await tick();
  assert.equal(client.state, 'online');
  assert.deepEqual(buses[0].sent.map((s) => s.address), ['parley.delivery.sync']);
  assert.equal(buses[0].sent[0].headers.authorization, 'Bearer a1');
  buses[0].deliver({ type: 'message', conversationId: 'c', message: m(5) });
  buses[0].deliver({ type: 'message', conversationId: 'c', message: m(4) });
  await tick();
  assert.deepEqual(history, [2], 'one page after 2');
  assert.deepEqual(shown, [1, 2, 3, 4, 5]);

  online = false;
  const entry = client.send('c', 'hello');
  buses[0].drop();
  assert.equal(client.state, 'reconnecting');
  assert.equal(entry.state, 'failed');
  online = true;
  buses[0].open();
  await tick();
  buses[0].deliver({ type: 'ready', conversations: [{ id: 'c', type: 'room', lastSeq: 6, readSeq: 0 }] });
  await tick();
  const sends = buses[0].sent.filter((s) => s.address === 'parley.delivery.send');
  assert.equal(sends.length, 2);
  assert.equal(sends[1].body.clientMsgId, sends[0].body.clientMsgId);
  assert.deepEqual(buses[0].sent.filter((s) => s.address === 'parley.delivery.sync').at(-1).body, { positions: { c: { seq: 5, changeSeq: 0 } } });
  assert.deepEqual(outbox, ['sending', 'failed', 'sending', 'sent']);
  assert.deepEqual(shown, [1, 2, 3, 4, 5, 6]);
});

test('sends to one conversation go one at a time, in send order; a refusal does not hold up the next', async (t) => {
  const pending = [];
  let seq = 0;
  const { FakeBus, buses } = fakeBus((address, body) => {
    if (address === 'parley.delivery.sync') return { body: { conversations: { c: { messages: [], hasMore: false, readSeq: 0, changes: [], changeSeq: 0 } } } };
    if (address === 'parley.delivery.send') {
      return new Promise((resolve) => pending.push(() => resolve(body.text === 'too big'
        ? { err: { failureCode: 413, message: 'PAYLOAD_TOO_LARGE: text over 16384 bytes' } }
        : { body: { ...m(++seq, { senderId: 'me', clientMsgId: body.clientMsgId, text: body.text }), duplicate: false } })));
    }
    return { body: {} };
  });
  const client = new ParleyClient({ baseUrl: 'http://x', EventBus: FakeBus, session });
  t.after(() => { client.disconnect(); client.tokens.clear(); });
  await client.connect();
  buses[0].open();
  await tick();
  buses[0].deliver({ type: 'ready', conversations: [{ id: 'c', type: 'room', lastSeq: 0, readSeq: 0 }] });
  await tick();
  const a = client.send('c', 'one');
  const big = client.send('c', 'too big');
  const b = client.send('c', 'two');
  const texts = () => buses[0].sent.filter((s) => s.address === 'parley.delivery.send').map((s) => s.body.text);
  assert.deepEqual(texts(), ['one'], 'the first goes out at once, the others wait');
  pending.shift()();
  await tick();
  assert.deepEqual(texts(), ['one', 'too big']);
  pending.shift()();
  await tick();
  assert.deepEqual(texts(), ['one', 'too big', 'two']);
  assert.equal(big.state, 'failed');
  assert.equal(big.retryable, false);
  pending.shift()();
  await tick();
  assert.deepEqual([a.state, a.seq, b.state, b.seq], ['sent', 1, 'sent', 2]);
  assert.equal(client.sending.size, 0);
});

test('reconnect with gaps, duplicates and out-of-order events: every seq shown once, in order; sync from the position held', async (t) => {
  const all = Array.from({ length: 12 }, (_, i) => m(i + 1));
  const syncs = [];
  const { FakeBus, buses } = fakeBus((address, body) => {
    if (address === 'parley.delivery.sync') {
      syncs.push(body.positions);
      const after = body.positions.c?.seq ?? 0;
      // the first sync answers 1..3; after the reconnect, 4..8 with hasMore (the rest by history)
      const upTo = syncs.length === 1 ? 3 : 8;
      return { body: { conversations: { c: { messages: all.slice(after, upTo), hasMore: upTo < 12 && syncs.length > 1, readSeq: 0, changes: [], changeSeq: 0 } } } };
    }
    if (address === 'parley.delivery.history') return { body: { messages: all.slice(body.after, body.after + 2), hasMore: body.after + 2 < 12 } };
    return { body: {} };
  });
  const client = new ParleyClient({ baseUrl: 'http://x', EventBus: FakeBus, session });
  t.after(() => { client.disconnect(); client.tokens.clear(); });
  const shown = [];
  client.addEventListener('message', (e) => shown.push(e.detail.message.seq));
  await client.connect();
  buses[0].open();
  await tick();
  buses[0].deliver({ type: 'ready', conversations: [{ id: 'c', type: 'room', lastSeq: 3, readSeq: 0 }] });
  await tick();
  buses[0].deliver({ type: 'message', conversationId: 'c', message: all[2] }); // a duplicate of 3
  buses[0].drop();
  assert.equal(client.state, 'reconnecting');
  buses[0].open();
  await tick();
  // live events race the ready: out of order and repeated
  buses[0].deliver({ type: 'ready', conversations: [{ id: 'c', type: 'room', lastSeq: 10, readSeq: 0 }] });
  buses[0].deliver({ type: 'message', conversationId: 'c', message: all[10] });
  buses[0].deliver({ type: 'message', conversationId: 'c', message: all[9] });
  buses[0].deliver({ type: 'message', conversationId: 'c', message: all[10] });
  await tick();
  await tick();
  buses[0].deliver({ type: 'message', conversationId: 'c', message: all[11] });
  buses[0].deliver({ type: 'message', conversationId: 'c', message: all[4] });
  await tick();
  assert.deepEqual(syncs[1], { c: { seq: 3, changeSeq: 0 } });
  assert.deepEqual(shown, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.equal(client.summary('c').lastMessage.seq, 12);
  assert.equal(client.summary('c').unread, 12);
});
