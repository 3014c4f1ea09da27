import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConversationLog } from '../src/conversation-log.js';

const C = 'c1';
const msg = (seq, extra = {}) => ({ id: `${C}:${seq}`, conversationId: C, seq, senderId: 'u1', clientMsgId: `m${seq}`, text: `t${seq}`, ...extra });
const seqs = (list) => list.map((m) => m.seq);

function logWith(n) {
  const log = new ConversationLog(C);
  log.addPage(0, Array.from({ length: n }, (_, i) => msg(i + 1)));
  return log;
}

test('reconnect with a gap: 1..5 held, live 8 and 9 → gap 6..7, the page fills it, nothing shown twice', () => {
  const log = logWith(5);
  const shown = [...log.messages()];
  let r = log.addLive(msg(8));
  assert.deepEqual(r.added, []);
  assert.deepEqual(r.gap, { conversationId: C, after: 5, from: 6, to: 7 });
  r = log.addLive(msg(9));
  assert.deepEqual(r.added, []);
  assert.deepEqual(r.gap, { conversationId: C, after: 5, from: 6, to: 7 });
  // history after=5 answers 6..9: 8 and 9 were held, so they are shown once, in order
  r = log.addPage(5, [msg(6), msg(7), msg(8), msg(9)]);
  shown.push(...r.added);
  assert.deepEqual(seqs(r.added), [6, 7, 8, 9]);
  assert.equal(r.gap, null);
  assert.deepEqual(seqs(shown), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(seqs(log.messages()), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(log.position, 9);
});

test('a page that fills only the hole releases the held messages after it', () => {
  const log = logWith(5);
  log.addLive(msg(8));
  log.addLive(msg(9));
  const r = log.addPage(5, [msg(6), msg(7)]);
  assert.deepEqual(seqs(r.added), [6, 7, 8, 9]);
  assert.equal(log.missing(), null);
});

test('a page with hasMore asks for the next page from the new position', () => {
  const log = new ConversationLog(C);
  const r = log.addPage(0, [msg(1), msg(2)], true);
  assert.deepEqual(r.gap, { conversationId: C, after: 2, from: 3, to: undefined });
});

test('duplicates: the same seq live and in a sync page is shown once', () => {
  const log = logWith(3);
  const live = log.addLive(msg(4));
  assert.deepEqual(seqs(live.added), [4]);
  const again = log.addLive(msg(4));
  assert.deepEqual(again.added, []);
  const page = log.addPage(3, [msg(4), msg(5)]);
  assert.deepEqual(seqs(page.added), [5]);
  assert.deepEqual(seqs(log.messages()), [1, 2, 3, 4, 5]);
});

test('a resend answered duplicate: true (the same message again) adds nothing', () => {
  const log = logWith(2);
  const ack = { ...msg(3), duplicate: false };
  assert.deepEqual(seqs(log.addLive(ack).added), [3]);
  assert.deepEqual(log.addLive({ ...msg(3), duplicate: true }).added, []);
  assert.equal(log.seqOfClientMsgId('u1', 'm3'), 3);
  assert.equal(log.messages().length, 3);
});

test('out-of-order live events are held and shown in seq order once the hole closes', () => {
  const log = logWith(1);
  assert.deepEqual(log.addLive(msg(4)).added, []);
  assert.deepEqual(log.addLive(msg(3)).added, []);
  assert.deepEqual(seqs(log.messages()), [1]);
  assert.deepEqual(seqs(log.addLive(msg(2)).added), [2, 3, 4]);
  assert.equal(log.position, 4);
});

test('live events before the first sync are held, then shown after the sync page', () => {
  const log = new ConversationLog(C, { readSeq: 3 });
  assert.deepEqual(log.addLive(msg(6)).added, []);
  const r = log.addPage(3, [msg(4), msg(5)]);
  assert.deepEqual(seqs(r.added), [4, 5, 6]);
});

test('changes: each changeSeq applied once', () => {
  const log = logWith(3);
  const edit = { changeSeq: 1, kind: 'edited', message: msg(2, { text: 'new', editedAt: 5 }) };
  assert.equal(log.applyChange(edit).status, 'applied');
  assert.equal(log.get(2).text, 'new');
  assert.equal(log.applyChange(edit).status, 'duplicate');
  // the same change again in a sync answer: not applied a second time
  assert.deepEqual(log.applySyncChanges([edit], 1), []);
  assert.equal(log.changeSeq, 1);
});

test('a change past a hole is applied, the position stays, and the sync does not apply it again', () => {
  const log = logWith(3);
  const c3 = { changeSeq: 3, kind: 'edited', message: msg(1, { text: 'v3' }) };
  const r = log.applyChange(c3);
  assert.equal(r.status, 'applied');
  assert.equal(r.gap, true);
  assert.equal(log.changeSeq, 0); // sync from here
  const c1 = { changeSeq: 1, kind: 'edited', message: msg(2, { text: 'v1' }) };
  const c2 = { changeSeq: 2, kind: 'deleted', message: msg(3, { text: undefined, deleted: true }) };
  const replaced = log.applySyncChanges([c1, c2, c3], 3);
  assert.deepEqual(replaced.map((c) => c.changeSeq), [1, 2]);
  assert.equal(log.changeSeq, 3);
  assert.equal(log.get(3).deleted, true);
});

test('a change to a seq not held is ignored; the message then arrives in its latest state', () => {
  const log = logWith(2);
  const r = log.applyChange({ changeSeq: 1, kind: 'edited', message: msg(5, { text: 'edited' }) });
  assert.equal(r.status, 'ignored');
  assert.equal(log.has(5), false);
  assert.equal(log.changeSeq, 1);
  const page = log.addPage(2, [msg(3), msg(4), msg(5, { text: 'edited' })]);
  assert.equal(page.added.at(-1).text, 'edited');
});

test('the read position only moves forward and unread follows it', () => {
  const log = logWith(5);
  assert.equal(log.unread, 5);
  assert.equal(log.setRead(3), true);
  assert.equal(log.setRead(2), false);
  assert.equal(log.readSeq, 3);
  assert.equal(log.unread, 2);
  assert.deepEqual(log.syncPosition(), { seq: 5, changeSeq: 0 });
});

test('older pages are shown below the position once and tell whether more exist', () => {
  const log = new ConversationLog(C);
  assert.deepEqual(seqs(log.addOlder([msg(4), msg(5)])), [4, 5]);
  assert.equal(log.position, 5);
  assert.equal(log.hasOlder, true);
  assert.deepEqual(seqs(log.addOlder([msg(1), msg(2), msg(3), msg(4)])), [1, 2, 3]);
  assert.equal(log.hasOlder, false);
});
