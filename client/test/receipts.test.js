import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient } from '../src/index.js';
import { fakeBus, tick, session, m, ready } from './fake-bus.js';

test('members are fetched once, kept current by read/delivered events (highest wins), refetched after a join', async (t) => {
  let calls = 0;
  const { FakeBus, buses } = fakeBus((address) => {
    if (address === 'parley.rooms.members') {
      calls++;
      return { body: { members: [
        { userId: 'me', username: 'me', role: 'owner', readSeq: 5, deliveredSeq: 5 },
        { userId: 'bob', username: 'bob', role: 'member', readSeq: 2, deliveredSeq: 4 },
        { userId: 'ann', username: 'ann', role: 'member', readSeq: 1, deliveredSeq: 1 },
      ] } };
    }
    if (address === 'parley.delivery.sync') return { body: { conversations: {} } };
    return { body: {} };
  });
  const chat = new ParleyClient({ baseUrl: 'http://x', EventBus: FakeBus, session });
  t.after(() => { chat.disconnect(); chat.tokens.clear(); });
  const bus = await ready(chat, buses, [{ id: 'c', type: 'room', lastSeq: 5, readSeq: 5 }]);
  assert.deepEqual(chat.seenBy('c', 1), [], 'nothing before members() loaded');
  const receipts = [];
  chat.addEventListener('receipt', (e) => receipts.push(e.detail.type));
  // an event that arrives before the list answers still counts
  bus.deliver({ type: 'read', conversationId: 'c', userId: 'ann', readSeq: 3 });
  const list = await chat.members('c');
  assert.deepEqual(list.find((x) => x.userId === 'ann'), { userId: 'ann', username: 'ann', role: 'member', readSeq: 3, deliveredSeq: 3 });
  assert.deepEqual(chat.seenBy('c', 2).map((x) => x.userId), ['bob', 'ann'], 'me is not counted');
  bus.deliver({ type: 'delivered', conversationId: 'c', positions: { ann: 5, bob: 3 } });
  bus.deliver({ type: 'read', conversationId: 'c', userId: 'bob', readSeq: 4 });
  bus.deliver({ type: 'read', conversationId: 'c', userId: 'bob', readSeq: 3 }); // out of order: ignored
  const bob = (await chat.members('c')).find((x) => x.userId === 'bob');
  assert.deepEqual([bob.readSeq, bob.deliveredSeq], [4, 4]);
  assert.deepEqual(chat.seenBy('c', 4).map((x) => x.userId), ['bob']);
  // ann's own message says she read up to it
  bus.deliver({ type: 'message', conversationId: 'c', message: m(6, { senderId: 'ann', senderName: 'ann' }) });
  assert.deepEqual(chat.seenBy('c', 6).map((x) => x.userId), ['ann']);
  assert.equal(calls, 1);
  assert.deepEqual(receipts, ['read', 'delivered', 'read', 'read']);
  bus.deliver({ type: 'member.joined', conversationId: 'c', userId: 'cat', username: 'cat' });
  assert.deepEqual(chat.seenBy('c', 1), [], 'invalidated');
  await chat.members('c');
  await tick();
  assert.equal(calls, 2);
  assert.equal(chat.seenBy('c', 6).length, 1, 'positions from events survive the reload');
});
