import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenManager } from '../src/tokens.js';

/** A clock the test moves: timers fire when `advance` passes their time. */
function fakeClock(start = 1_000_000) {
  let now = start;
  let id = 0;
  const timers = new Map();
  return {
    now: () => now,
    setTimeout: (fn, ms) => { timers.set(++id, { at: now + ms, fn }); return id; },
    clearTimeout: (t) => timers.delete(t),
    pending: () => [...timers.values()].map((t) => t.at - now),
    advance(ms) {
      now += ms;
      for (const [k, t] of [...timers]) if (t.at <= now) { timers.delete(k); t.fn(); }
    },
  };
}
const pair = (n, expiresIn = 900) => ({ accessToken: `a${n}`, refreshToken: `r${n}`, expiresIn, userId: 'u', username: 'alice', tenant: 't' });
const tick = () => new Promise((r) => setImmediate(r));

test('refresh is scheduled a minute before expiry and rotates the refresh token', async () => {
  const clock = fakeClock();
  const used = [];
  let n = 1;
  const tokens = new TokenManager({ clock, refresh: async (rt) => { used.push(rt); return pair(++n); } });
  tokens.set(pair(1));
  assert.deepEqual(clock.pending(), [840_000]);
  clock.advance(839_999);
  await tick();
  assert.deepEqual(used, []);
  clock.advance(1);
  await tick();
  assert.deepEqual(used, ['r1']);
  assert.equal(tokens.accessToken, 'a2');
  assert.equal(tokens.session.refreshToken, 'r2');
  clock.advance(840_000);
  await tick();
  assert.deepEqual(used, ['r1', 'r2'], 'the rotated token is used next');
});

test('short lifetimes refresh a quarter before expiry', () => {
  assert.equal(TokenManager.refreshDelay(60_000), 45_000);
  assert.equal(TokenManager.refreshDelay(900_000), 840_000);
  assert.equal(TokenManager.refreshDelay(-5), 0);
});

test('one refresh at a time: concurrent callers share it', async () => {
  const clock = fakeClock();
  let calls = 0;
  let release;
  const tokens = new TokenManager({ clock, refresh: () => { calls++; return new Promise((r) => { release = () => r(pair(2)); }); } });
  tokens.set(pair(1));
  const a = tokens.refresh();
  const b = tokens.refresh();
  assert.equal(a, b);
  await tick();
  release();
  await Promise.all([a, b]);
  assert.equal(calls, 1);
  assert.equal(tokens.accessToken, 'a2');
});

test('fresh() refreshes a token about to expire and hands on the new one', async () => {
  const clock = fakeClock();
  const seen = [];
  const tokens = new TokenManager({ clock, refresh: async () => pair(2), onChange: (s) => seen.push(s && s.accessToken) });
  tokens.set(pair(1, 10));
  assert.equal(await tokens.fresh(), 'a1');
  clock.now = (() => { const t = clock.now(); return () => t + 6000; })();
  assert.equal(await tokens.fresh(), 'a2');
  assert.deepEqual(seen, ['a1', 'a2']);
});

test('a refused refresh token signs out; a network failure retries later', async () => {
  const clock = fakeClock();
  let fail = 'NETWORK: unreachable';
  let expired = null;
  const tokens = new TokenManager({ clock, retryMs: 10_000, refresh: async () => { throw new Error(fail); }, onExpired: (e) => { expired = e; } });
  tokens.set(pair(1));
  await assert.rejects(tokens.refresh(), /NETWORK/);
  assert.deepEqual(clock.pending(), [10_000]);
  assert.equal(expired, null);
  fail = 'REFRESH_TOKEN_REUSED: family revoked';
  clock.advance(10_000);
  await tick();
  await tick();
  assert.match(expired.message, /REFRESH_TOKEN_REUSED/);
  assert.equal(tokens.session, null);
  assert.deepEqual(clock.pending(), []);
});
