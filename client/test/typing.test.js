import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient } from '../src/index.js';
import { session, m } from './fake-bus.js';

const typing = (userId, on, expiresInMs = 6000) => ({ type: 'typing', conversationId: 'c', userId, username: userId, typing: on, expiresInMs });

function client() {
  const chat = new ParleyClient({ baseUrl: 'http://x', session });
  chat.handleEvent({ type: 'ready', conversations: [{ id: 'c', type: 'room', lastSeq: 0, readSeq: 0 }] });
  const seen = [];
  chat.addEventListener('typing', (e) => seen.push({ userId: e.detail.userId, typing: e.detail.typing, lapsed: !!e.detail.lapsed, typers: e.detail.typers.map((t) => t.userId) }));
  return { chat, seen };
}

test('a true lapses after its expiresInMs, and the typing event says so with the typers left', (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const { chat, seen } = client();
  t.after(() => chat.tokens.clear());
  chat.handleEvent(typing('bob', true, 6000));
  chat.handleEvent(typing('ann', true, 6000));
  assert.deepEqual(chat.typers('c'), [{ userId: 'bob', username: 'bob' }, { userId: 'ann', username: 'ann' }]);
  mock.timers.tick(4000);
  chat.handleEvent(typing('bob', true, 6000)); // bob goes on typing: his lapse starts again
  mock.timers.tick(2000);
  assert.deepEqual(chat.typers('c').map((x) => x.userId), ['bob']);
  mock.timers.tick(4000);
  assert.deepEqual(chat.typers('c'), []);
  assert.deepEqual(seen, [
    { userId: 'bob', typing: true, lapsed: false, typers: ['bob'] },
    { userId: 'ann', typing: true, lapsed: false, typers: ['bob', 'ann'] },
    { userId: 'bob', typing: true, lapsed: false, typers: ['bob', 'ann'] },
    { userId: 'ann', typing: false, lapsed: true, typers: ['bob'] },
    { userId: 'bob', typing: false, lapsed: true, typers: [] },
  ]);
});

test('a false, or a message from the typer in that conversation, ends it at once (no lapse later)', (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const { chat, seen } = client();
  t.after(() => chat.tokens.clear());
  chat.handleEvent(typing('bob', true));
  chat.handleEvent(typing('ann', true));
  chat.handleEvent(typing('ann', false));
  chat.handleEvent({ type: 'message', conversationId: 'c', message: m(1) }); // from bob
  assert.deepEqual(chat.typers('c'), []);
  mock.timers.tick(10_000);
  assert.deepEqual(seen.map((s) => [s.userId, s.typing, s.typers.length]), [['bob', true, 1], ['ann', true, 2], ['ann', false, 1], ['bob', false, 0]]);
  assert.deepEqual(chat.typers('other'), []);
});
