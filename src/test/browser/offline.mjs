// The connection tells the truth, and nothing sent is lost or doubled. Alice reaches the server through
// a TCP proxy that first drops her network silently (bytes stop, nothing is closed: only the heartbeat
// can tell) — the pill must say "reconnecting" within seconds; then her browser goes offline. What she
// sends meanwhile waits and arrives once when the network is back — and, with `kill` (a cluster behind
// nginx: $PARLEY_CLUSTER_DIR, $PARLEY_INSTANCES), the instance serving her is killed (kill -9) while she
// is offline, so she comes back through another one.
// Usage: node offline.mjs <baseUrl> <tenant> <artifactsDir> [kill]
import { execFileSync } from 'node:child_process';
import { args, browser, person, signUp, online, openConversation, send, seesMessage, until, step, done, deadline, fail, nodeOf, tcpProxy } from './kit.mjs';

const { base, tenant, artifacts, flags } = args();
deadline(150000);
const result = {};
const b = await browser();

step('alice and bob in a DM');
const proxy = await tcpProxy(base);
const alice = await person(b, proxy.url, 'alice');
await signUp(alice, { tenant, username: 'alice' });
const bob = await person(b, base, 'bob');
await signUp(bob, { tenant, username: 'bob' });
await alice.page.getByRole('button', { name: 'New message' }).click();
await alice.page.getByLabel('Search people').fill('bob');
await alice.page.locator('#dialog').getByRole('button', { name: /bob/ }).click();
await alice.page.getByRole('button', { name: 'Start', exact: true }).click();
await until(alice, 'the DM open', () => document.querySelector('#chat-title')?.textContent === 'bob');
await send(alice, 'before the cut');
await until(bob, 'the DM', () => !!document.querySelector('#list-dm a.conv'));
await openConversation(bob, 'alice');
await seesMessage(bob, 'before the cut');

step('a silent drop: reconnecting within seconds');
await new Promise((r) => setTimeout(r, 4000)); // past the first heartbeat, which sets the watchdog's pace
const dropAt = Date.now();
proxy.blackhole();
await until(alice, 'the pill says reconnecting', () => /reconnecting/.test(document.querySelector('#status').textContent), null, 15000);
result.silentDropNoticedMs = Date.now() - dropAt;
await send(alice, 'sent during the silent drop');
await until(alice, 'the message waits', () => !!document.querySelector('#messages .msg.pending'));
proxy.restore();
await online(alice);
await seesMessage(bob, 'sent during the silent drop');

step('the browser goes offline: reconnecting at once');
const cutAt = Date.now();
await alice.context.setOffline(true);
await until(alice, 'the pill says reconnecting', () => /reconnecting/.test(document.querySelector('#status').textContent), null, 12000);
result.reconnectingAfterMs = Date.now() - cutAt;

step('sending while offline');
await send(alice, 'sent while offline');
await until(alice, 'the message waits', () => !!document.querySelector('#messages .msg.pending'));
result.pendingNote = await alice.page.textContent('#messages .msg.pending .sending');

if (flags.has('kill')) {
  step('the instance serving alice is killed');
  const dir = process.env.PARLEY_CLUSTER_DIR;
  const instances = JSON.parse(process.env.PARLEY_INSTANCES || '{}');
  const node = await nodeOf(alice);
  const index = instances[node];
  if (index === undefined) fail(`alice's node ${node} is not one of ${JSON.stringify(instances)}`);
  execFileSync('bash', ['scripts/cluster.sh', 'kill', String(index)], { env: { ...process.env, PARLEY_CLUSTER_DIR: dir }, stdio: 'inherit' });
  result.killed = node;
}

step('back online: delivered once, seen once');
await alice.context.setOffline(false);
await online(alice);
await until(alice, 'nothing pending', () => !document.querySelector('#messages .msg.pending'), null, 30000);
await seesMessage(bob, 'sent while offline');
await new Promise((r) => setTimeout(r, 1500)); // time for a duplicate to show, if one were coming
const count = (p) => p.page.$$eval('#messages .msg .text', (els) => els.map((e) => e.textContent).filter((t) => t.startsWith('sent ')));
result.aliceShows = await count(alice);
result.bobShows = await count(bob);
result.nodeAfter = await nodeOf(alice);
const history = await alice.page.evaluate(async (id) => {
  const r = await window.parley.chat.request('parley.delivery.history', { conversationId: id, limit: 50 });
  return r.messages.map((m) => m.text);
}, decodeURIComponent(new URL(alice.page.url()).hash.split('/')[2]));
result.stored = history;

result.errors = [...alice.errors, ...bob.errors].filter((e) => !/OFFLINE|NETWORK|connection/i.test(e));
await b.close();
proxy.close();
done(result);
