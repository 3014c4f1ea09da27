import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient } from '../src/index.js';
import { fakeBus, tick, session, m, ready } from './fake-bus.js';

const sync = (pages) => ({ body: { conversations: pages } });
const page = (messages, readSeq) => ({ messages, hasMore: false, readSeq, changes: [], changeSeq: 0 });

test('mention counters: the server\'s count, then mentions and @all/@here not by me, each once; 0 at the head', async (t) => {
  const { FakeBus, buses } = fakeBus((address, body) => {
    // the two unread messages the server counted (one names me, one says @all) come again through sync
    if (address === 'parley.delivery.sync') return sync({ c: page([m(9, { mentions: [{ userId: 'me', username: 'me' }] }), m(10, { broadcast: 'all' })], 8) });
    if (address === 'parley.rooms.read') return { body: { conversationId: 'c', readSeq: body.seq, unread: 0 } };
    return { body: {} };
  });
  const chat = new ParleyClient({ baseUrl: 'http://x', EventBus: FakeBus, session });
  t.after(() => { chat.disconnect(); chat.tokens.clear(); });
  const changes = [];
  chat.addEventListener('summary', (e) => changes.push(e.detail.conversationId));
  const bus = await ready(chat, buses, [{ id: 'c', type: 'room', name: 'lunch', lastSeq: 10, readSeq: 8, unread: 2, unreadMentions: 2 }]);
  let s = chat.summary('c');
  assert.deepEqual([s.unread, s.unreadMentions, s.lastMessage.seq, s.info.name], [2, 2, 10, 'lunch'], 'not counted twice');
  assert.ok(changes.length >= 2);
  bus.deliver({ type: 'message', conversationId: 'c', message: m(11, { broadcast: 'here' }) });
  bus.deliver({ type: 'message', conversationId: 'c', message: m(12, { text: '@bob', mentions: [{ userId: 'bob', username: 'bob' }] }) });
  bus.deliver({ type: 'message', conversationId: 'c', message: m(13, { senderId: 'me', clientMsgId: 'mine', broadcast: 'all' }) }); // mine
  s = chat.summary('c');
  assert.deepEqual([s.unread, s.unreadMentions], [0, 0], 'my own message moved my read position to the head');
  bus.deliver({ type: 'message', conversationId: 'c', message: m(14, { mentions: [{ userId: 'me', username: 'me' }] }) });
  bus.deliver({ type: 'mention', conversationId: 'c', message: m(14, { mentions: [{ userId: 'me', username: 'me' }] }) });
  bus.deliver({ type: 'mention', conversationId: 'c', message: m(15, { mentions: [{ userId: 'me', username: 'me' }] }) }); // ahead of its message
  bus.deliver({ type: 'message', conversationId: 'c', message: m(15, { mentions: [{ userId: 'me', username: 'me' }] }) });
  bus.deliver({ type: 'message', conversationId: 'c', message: m(16, { broadcast: 'all' }) });
  s = chat.summary('c');
  assert.deepEqual([s.unread, s.unreadMentions, s.lastMessage.seq], [3, 3, 16]);
  // an edit of the newest message changes the summary's lastMessage
  bus.deliver({ type: 'message.changed', conversationId: 'c', changeSeq: 1, kind: 'edited', message: m(16, { text: 'edited', broadcast: 'all' }) });
  assert.equal(chat.summary('c').lastMessage.text, 'edited');
  await chat.markRead('c');
  s = chat.summary('c');
  assert.deepEqual([s.unread, s.unreadMentions], [0, 0]);
  bus.deliver({ type: 'conversation.muted', conversationId: 'c', muted: true });
  assert.equal(chat.summary('c').info.muted, true);
  assert.equal(chat.summaries().length, 1);
});

test('loadPreviews: the newest message of conversations without one, at most 4 requests at a time', async (t) => {
  let inFlight = 0;
  let most = 0;
  const asked = [];
  const { FakeBus, buses } = fakeBus(async (address, body) => {
    if (address === 'parley.delivery.sync') return sync({ c0: page([m(1, { conversationId: 'c0' })], 0) });
    if (address === 'parley.delivery.history') {
      asked.push(body);
      inFlight++;
      most = Math.max(most, inFlight);
      await tick();
      inFlight--;
      return { body: { messages: body.conversationId === 'c9' ? [] : [m(7, { conversationId: body.conversationId })], hasMore: true } };
    }
    return { body: {} };
  });
  const chat = new ParleyClient({ baseUrl: 'http://x', EventBus: FakeBus, session });
  t.after(() => { chat.disconnect(); chat.tokens.clear(); });
  const ids = Array.from({ length: 10 }, (_, i) => `c${i}`);
  await ready(chat, buses, ids.map((id) => ({ id, type: 'room', lastSeq: id === 'c0' ? 1 : 7, readSeq: id === 'c0' ? 0 : 7 })));
  const changed = [];
  chat.addEventListener('summary', (e) => changed.push(e.detail.conversationId));
  await chat.loadPreviews(ids);
  assert.equal(most, 4);
  assert.equal(asked.length, 9, 'c0 has a message held');
  assert.ok(asked.every((b) => b.limit === 1 && b.after === undefined && b.before === undefined));
  assert.deepEqual(changed.sort(), ids.slice(1, 9).sort(), 'c9 is empty: no summary change');
  assert.equal(chat.summary('c3').lastMessage.seq, 7);
  assert.deepEqual(chat.messages('c3').messages, [], 'a preview is not put in the log');
  assert.equal(chat.summary('c3').unread, 0);
});
