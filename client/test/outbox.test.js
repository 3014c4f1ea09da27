import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Outbox } from '../src/outbox.js';
import { OutboxStore } from '../src/outbox-store.js';

let n = 0;
const box = () => new Outbox({ now: () => 1000, newId: () => `id-${++n}` });
const stored = (e, seq) => ({ conversationId: e.conversationId, seq, clientMsgId: e.clientMsgId, text: e.text });

test('optimistic echo: sending, then sent on the ack', () => {
  const o = box();
  const e = o.add({ conversationId: 'c', text: 'hi' });
  assert.equal(e.state, 'sending');
  assert.deepEqual(o.pending('c').map((p) => p.text), ['hi']);
  assert.deepEqual(Outbox.body(e), { conversationId: 'c', clientMsgId: e.clientMsgId, text: 'hi' });
  const sent = o.settle(e.clientMsgId, stored(e, 7));
  assert.equal(sent.state, 'sent');
  assert.equal(sent.seq, 7);
  assert.deepEqual(o.pending('c'), []);
  assert.equal(o.settle(e.clientMsgId, stored(e, 7)), undefined, 'settled once');
});

test('a send cut off by the connection is resent after reconnect with the same clientMsgId', () => {
  const o = box();
  const e = o.add({ conversationId: 'c', text: 'hi' });
  const id = e.clientMsgId;
  const lost = o.connectionLost();
  assert.equal(lost.length, 1);
  assert.equal(e.state, 'failed');
  assert.equal(e.retryable, true);
  const again = o.takeResends();
  assert.deepEqual(again.map((x) => x.clientMsgId), [id]);
  assert.equal(again[0].state, 'sending');
  assert.equal(again[0].attempts, 2);
  assert.deepEqual(o.takeResends(), [], 'not resent twice while sending');
  // the server answers duplicate: true — the stored message, the same seq
  const sent = o.settle(id, { ...stored(e, 3), duplicate: true });
  assert.equal(sent.state, 'sent');
  assert.deepEqual([sent.code, sent.error, sent.retryable], [undefined, undefined, undefined], 'a sent entry keeps no trace of the failure');
});

test('a lost send the server had stored settles from the sync without being resent', () => {
  const o = box();
  const e = o.add({ conversationId: 'c', text: 'stored before the cut' });
  o.connectionLost();
  const sent = o.settle(e.clientMsgId, stored(e, 6)); // the sync after the reconnect brought it
  assert.deepEqual([sent.state, sent.seq, sent.retryable], ['sent', 6, undefined]);
  assert.deepEqual(o.takeResends(), [], 'nothing left to resend');
});

test('timeouts and unavailability are retryable with the same id; the user may retry', () => {
  const o = box();
  const e = o.add({ conversationId: 'c', text: 'x' });
  o.fail(e.clientMsgId, { failureCode: 108, message: 'SERVICE_UNAVAILABLE: shutting down' });
  assert.equal(e.code, 'SERVICE_UNAVAILABLE');
  assert.equal(e.retryable, true);
  assert.equal(o.retry(e.clientMsgId).clientMsgId, e.clientMsgId);
  assert.equal(e.state, 'sending');
});

test('a permanent refusal stays failed, is not resent, and can be edited or discarded', () => {
  const o = box();
  const e = o.add({ conversationId: 'c', text: 'x'.repeat(20000) });
  o.fail(e.clientMsgId, new Error('PAYLOAD_TOO_LARGE: text over 16384 bytes'));
  assert.equal(e.state, 'failed');
  assert.equal(e.retryable, false);
  assert.deepEqual(o.takeResends(), []);
  assert.equal(o.retry(e.clientMsgId), undefined);
  assert.equal(o.pending('c')[0].text.length, 20000, 'its text is kept');
  const edited = o.edit(e.clientMsgId, 'short');
  assert.notEqual(edited.clientMsgId, e.clientMsgId);
  assert.equal(edited.state, 'sending');
  assert.deepEqual(o.pending('c').map((p) => p.text), ['short']);
  o.fail(edited.clientMsgId, { message: 'VALIDATION_FAILED: text' });
  assert.equal(o.discard(edited.clientMsgId), true);
  assert.deepEqual(o.pending('c'), []);
});

test('a late ack after a timeout still settles the entry; a failure after the ack is ignored', () => {
  const o = box();
  const e = o.add({ conversationId: 'c', text: 'x' });
  o.fail(e.clientMsgId, { message: 'TIMEOUT: no answer' });
  assert.equal(o.settle(e.clientMsgId, stored(e, 1)).state, 'sent');
  assert.equal(o.fail(e.clientMsgId, { message: 'OFFLINE: lost' }), undefined);
  assert.deepEqual(o.takeResends(), []);
});

test('attachments: the entry keeps the records, the send body names their ids; text may be empty', () => {
  const box = new Outbox({ newId: () => 'x' });
  const att = { attachmentId: 'a1', name: 'cat.png', size: 3 };
  const e = box.add({ conversationId: 'c', text: '', attachments: [att, 'a2'] });
  assert.deepEqual(e.attachments, [att, 'a2']);
  assert.deepEqual(Outbox.body(e), { conversationId: 'c', clientMsgId: 'x', text: '', attachments: ['a1', 'a2'] });
});

test('restore: a saved entry that was sending becomes a retryable failure; a known id is not taken twice', () => {
  const box = new Outbox();
  const e = box.restore({ clientMsgId: 'm1', conversationId: 'c', text: 'hi', state: 'sending', attempts: 1, createdAt: 1 });
  assert.deepEqual([e.state, e.retryable], ['failed', true]);
  assert.equal(box.restore({ clientMsgId: 'm1', conversationId: 'c', text: 'hi', state: 'sending' }), undefined);
  const p = box.restore({ clientMsgId: 'm2', conversationId: 'c', text: 'big', state: 'failed', code: 'PAYLOAD_TOO_LARGE', retryable: false });
  assert.equal(p.retryable, false);
  assert.deepEqual(box.takeResends().map((x) => x.clientMsgId), ['m1']);
});

test('OutboxStore: keeps unsent entries only, keeps another tab\'s, forgets what went, caps the list', () => {
  const data = new Map();
  const storage = { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => data.set(k, v), removeItem: (k) => data.delete(k) };
  let t = 0;
  const now = () => ++t;
  const a = new Outbox({ now });
  const sa = new OutboxStore(storage, 'k', 3);
  const x = a.add({ conversationId: 'c', text: 'x' }, 'x');
  sa.save(a);
  // another tab saves its own entry y: x stays
  const b = new Outbox({ now });
  const sb = new OutboxStore(storage, 'k', 3);
  b.add({ conversationId: 'c', text: 'y' }, 'y');
  sb.save(b);
  assert.deepEqual(sb.load().map((e) => e.clientMsgId), ['x', 'y']);
  // x is sent in tab a: gone from the store, y stays
  a.settle('x', { seq: 1 });
  sa.forget(x.clientMsgId);
  sa.save(a);
  assert.deepEqual(sa.load().map((e) => e.clientMsgId), ['y']);
  for (const id of ['p', 'q', 'r', 's']) a.add({ conversationId: 'c', text: id }, id);
  sa.save(a);
  assert.deepEqual(sa.load().map((e) => e.clientMsgId), ['q', 'r', 's'], 'the newest 3');
  storage.setItem('k', 'not json');
  assert.deepEqual(sa.load(), []);
});
