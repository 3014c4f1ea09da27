import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Outbox } from '../src/outbox.js';

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
