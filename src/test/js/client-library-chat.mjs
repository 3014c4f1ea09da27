// Two users of one tenant chat through @parley/client (client/src, by relative path) against a running node,
// over SockJS with the official Vert.x event-bus client loaded from client/node_modules.
// Usage: node client-library-chat.mjs <baseUrl> <tenant>
// Prints one JSON line with what was observed (last line of stdout); exits non-zero on any failure.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const clientModules = fileURLToPath(new URL('../../../client/node_modules/@vertx/eventbus-bridge-client.js/package.json', import.meta.url));

function fail(why) {
  console.error('FAIL: ' + why);
  process.exit(1);
}

if (!existsSync(clientModules)) {
  fail(`client/node_modules is missing (no ${clientModules}): run "cd client && npm ci" first (scripts/test.sh does)`);
}

const { ParleyClient } = await import('../../../client/src/index.js');

const base = process.argv[2];
const tenant = process.argv[3];
if (!base || !tenant) fail('usage: node client-library-chat.mjs <baseUrl> <tenant>');
const deadline = setTimeout(() => fail('timed out; stage: ' + stage), 45000);
let stage = 'start';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves when `pred()` holds (checked after every event of the client and every 20 ms). */
async function until(what, pred, ms = 10000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) fail('waited in vain for ' + what);
    await sleep(20);
  }
}

/** A ParleyClient with a record of everything it emitted. */
async function user(name) {
  const c = new ParleyClient({ baseUrl: base, requestTimeoutMs: 5000 });
  const rec = { readies: [], messages: [], changed: [], outbox: new Map(), errors: [], states: [] };
  c.addEventListener('ready', (e) => rec.readies.push(e.detail));
  c.addEventListener('message', (e) => rec.messages.push(e.detail));
  c.addEventListener('changed', (e) => rec.changed.push(e.detail));
  c.addEventListener('state', (e) => rec.states.push(e.detail.state));
  c.addEventListener('error', (e) => rec.errors.push(String(e.detail.error && e.detail.error.message)));
  c.addEventListener('outbox', (e) => {
    const { clientMsgId, state, code, retryable, seq } = e.detail.entry;
    if (!rec.outbox.has(clientMsgId)) rec.outbox.set(clientMsgId, []);
    rec.outbox.get(clientMsgId).push({ state, ...(code && { code }), ...(retryable !== undefined && { retryable }), ...(seq && { seq }) });
  });
  const creds = { tenant, username: name, password: 'correct-horse' };
  await c.register(creds);
  await c.login(creds);
  return { c, rec };
}

const lastState = (rec, id) => { const s = rec.outbox.get(id); return s && s[s.length - 1]; };
const seqsOf = (rec, conversationId) => rec.messages.filter((m) => m.conversationId === conversationId).map((m) => m.message.seq);

try {
  stage = 'accounts';
  const alice = await user('alice');
  const bob = await user('bob');

  // The room over REST (client.api with the access token), so both connections' `ready` lists it.
  stage = 'room';
  const room = await alice.c.api('POST', '/conversations', { type: 'room', name: 'lunch', members: ['bob'] }, true);

  stage = 'connect';
  await alice.c.connect();
  await bob.c.connect();
  await until('ready on both', () => alice.rec.readies.length === 1 && bob.rec.readies.length === 1);
  const readyHasRoom = [alice, bob].map((u) => u.rec.readies[0].conversations.some((c) => c.id === room.id));
  await until('both online', () => alice.c.state === 'online' && bob.c.state === 'online');

  // Three sends, live to bob.
  stage = 'three sends';
  const first = [1, 2, 3].map((i) => alice.c.send(room.id, 'hello ' + i).clientMsgId);
  await until('bob has seq 1..3', () => seqsOf(bob.rec, room.id).length >= 3);
  await until('alice\'s three sent', () => first.every((id) => lastState(alice.rec, id)?.state === 'sent'));
  await sleep(300); // room for a duplicate to show up
  const liveSeqs = seqsOf(bob.rec, room.id);
  const firstOutbox = first.map((id) => alice.rec.outbox.get(id));

  // Bob away: two more; back: sync brings exactly those.
  stage = 'bob offline';
  bob.c.disconnect();
  const second = [4, 5].map((i) => alice.c.send(room.id, 'while away ' + i).clientMsgId);
  await until('alice\'s two sent', () => second.every((id) => lastState(alice.rec, id)?.state === 'sent'));
  const before = bob.rec.messages.length;
  stage = 'bob reconnect';
  await bob.c.connect();
  await until('bob ready again', () => bob.rec.readies.length === 2 && bob.c.state === 'online');
  await until('bob synced 4..5', () => seqsOf(bob.rec, room.id).length >= 5);
  await sleep(300);
  const syncedSeqs = bob.rec.messages.slice(before).map((m) => m.message.seq);

  // An edit and a reaction: each reaches bob once as `changed`.
  stage = 'edit and react';
  const m1 = alice.c.messages(room.id).messages.find((m) => m.seq === 1);
  const m2 = alice.c.messages(room.id).messages.find((m) => m.seq === 2);
  await alice.c.edit(m1.id, 'hello 1 (edited)');
  await alice.c.react(m2.id, '👍');
  await until('bob saw two changes', () => bob.rec.changed.length >= 2);
  await sleep(300);
  const changes = bob.rec.changed.map((e) => ({ changeSeq: e.changeSeq, kind: e.kind, seq: e.message.seq, text: e.message.text,
    reactions: (e.message.reactions || []).map((r) => `${r.emoji}x${r.count}`) }));
  const bobView = Object.fromEntries(bob.c.messages(room.id).messages.filter((m) => m.seq <= 2)
    .map((m) => [m.seq, { text: m.text, reactions: (m.reactions || []).map((r) => `${r.emoji}x${r.count}`) }]));

  // A send cut off by alice's own disconnect, then a reconnect: resent with the same clientMsgId.
  stage = 'cut-off send';
  const cut = alice.c.send(room.id, 'cut off').clientMsgId;
  alice.c.disconnect();
  const cutAfterDisconnect = lastState(alice.rec, cut);
  await alice.c.connect();
  await until('cut-off send settled', () => lastState(alice.rec, cut)?.state === 'sent');
  await until('bob got the cut-off send', () => bob.rec.messages.some((m) => m.message.clientMsgId === cut));
  await sleep(300);

  // A permanent refusal: over limits.message_max_bytes (16384 by default).
  stage = 'too large';
  const big = alice.c.send(room.id, 'x'.repeat(16385)).clientMsgId;
  await until('too large settled', () => lastState(alice.rec, big)?.state === 'failed');
  await sleep(300);
  const bigEntry = alice.c.outbox.get(big);
  const pendingAfter = alice.c.messages(room.id).pending.map((e) => ({ clientMsgId: e.clientMsgId, state: e.state }));

  // The stored history, over REST (not the library's view).
  stage = 'history';
  const history = await alice.c.api('GET', `/conversations/${encodeURIComponent(room.id)}/messages?after=0&limit=200`, undefined, true);
  const stored = history.messages.map((m) => ({ seq: m.seq, clientMsgId: m.clientMsgId }));

  const result = {
    room: room.id,
    readyHasRoom,
    liveSeqs,
    firstOutbox,
    syncedSeqs,
    bobSeqs: seqsOf(bob.rec, room.id),
    changes,
    bobView,
    cut: { clientMsgId: cut, afterDisconnect: cutAfterDisconnect, states: alice.rec.outbox.get(cut),
      bobCopies: bob.rec.messages.filter((m) => m.message.clientMsgId === cut).length },
    tooLarge: { clientMsgId: big, states: alice.rec.outbox.get(big), state: bigEntry?.state, code: bigEntry?.code, retryable: bigEntry?.retryable },
    pendingAfter,
    sent: { first, second },
    stored,
    hasMore: history.hasMore,
    aliceErrors: alice.rec.errors,
    bobErrors: bob.rec.errors,
    aliceStates: alice.rec.states,
    bobStates: bob.rec.states,
  };
  clearTimeout(deadline);
  alice.c.disconnect();
  bob.c.disconnect();
  await alice.c.logout();
  await bob.c.logout();
  console.log(JSON.stringify(result));
  process.exit(0);
} catch (e) {
  fail(`${stage}: ${e && (e.stack || e.message) || JSON.stringify(e)}`);
}
