// Two users of one tenant chat through the official Vert.x event-bus client (@vertx/eventbus-bridge-client.js
// over sockjs-client), exactly as a browser would. Usage: node official-client-chat.cjs <baseUrl> <tenant>
// Prints one JSON line with what was observed; exits non-zero on any failure.
'use strict';
const EventBus = require('@vertx/eventbus-bridge-client.js');

const base = process.argv[2];
const tenant = process.argv[3];
const deadline = setTimeout(() => fail('timed out'), 20000);

function fail(why) {
  console.error('FAIL: ' + why);
  process.exit(1);
}

async function api(method, path, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = 'Bearer ' + token;
  const res = await fetch(base + '/api' + path, { method, headers, body: body && JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) fail(method + ' ' + path + ' -> ' + res.status + ' ' + text);
  return text ? JSON.parse(text) : {};
}

async function user(name) {
  await api('POST', '/auth/register', { tenant, username: name, password: 'correct-horse' });
  return api('POST', '/auth/login', { tenant, username: name, password: 'correct-horse' });
}

function connect(session, onEvent) {
  return new Promise((resolve) => {
    const eb = new EventBus(base + '/eventbus');
    eb.defaultHeaders = { authorization: 'Bearer ' + session.accessToken };
    eb.onerror = (err) => fail('bridge error ' + JSON.stringify(err));
    eb.onopen = () => {
      eb.registerHandler('parley.client.' + session.tenant + '.' + session.userId, (err, msg) => {
        if (err) fail('inbox error ' + JSON.stringify(err));
        if (msg.body.type === 'ready') resolve(eb);
        else onEvent(msg.body);
      });
    };
  });
}

function request(eb, address, body) {
  return new Promise((resolve, reject) => eb.send(address, body, (err, reply) => err ? reject(err) : resolve(reply.body)));
}

(async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  const received = [];
  const changes = [];
  let gotIt;
  let gotChanges;
  const arrived = new Promise((r) => { gotIt = r; });
  const changed = new Promise((r) => { gotChanges = r; });
  const ebAlice = await connect(alice, () => {});
  const ebBob = await connect(bob, (event) => {
    if (event.type === 'message') { received.push(event.message); gotIt(); }
    if (event.type === 'message.changed') { changes.push(event); if (changes.length === 2) gotChanges(); }
  });
  // Alice opens a DM with Bob over the bridge; Bob's connection learns of it live and subscribes.
  const dm = await request(ebAlice, 'parley.rooms.create', { type: 'dm', members: ['bob'] });
  const ack = await request(ebAlice, 'parley.delivery.send', { conversationId: dm.id, clientMsgId: 'c-1', text: 'hi bob' });
  await arrived;
  // Alice edits, then deletes, her message; Bob may do neither; Bob's connection gets both changes live.
  const edited = await request(ebAlice, 'parley.delivery.edit', { messageId: ack.id, text: 'hi bob!', clientChangeId: 'e-1' });
  let notAuthor = null;
  try {
    await request(ebBob, 'parley.delivery.delete', { messageId: ack.id });
  } catch (err) {
    notAuthor = err;
  }
  const tombstone = await request(ebAlice, 'parley.delivery.delete', { messageId: ack.id, clientChangeId: 'd-1' });
  await changed;
  let denied = null;
  try {
    await request(ebBob, 'parley.auth.login', { tenant, username: 'bob', password: 'x' });
  } catch (err) {
    denied = err;
  }
  clearTimeout(deadline);
  console.log(JSON.stringify({ ackSeq: ack.seq, received: received.map((m) => ({ seq: m.seq, text: m.text, from: m.senderName })), denied,
    edited: edited.text, deleted: tombstone.deleted === true && !('text' in tombstone), notAuthor,
    changes: changes.map((e) => ({ changeSeq: e.changeSeq, kind: e.kind, text: e.message.text, deleted: e.message.deleted === true })) }));
  ebAlice.close();
  ebBob.close();
  process.exit(0);
})().catch((e) => fail(e && e.stack || JSON.stringify(e)));
