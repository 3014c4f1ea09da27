'use strict';
// scripts/bench.sh presence (issue 10): the cost of presence in a connect storm, Parley only.
//
//   node bench.js presence-setup --url URL --setup FILE [--presence-users 5000]
//     one tenant of N users (register + login over REST), each in two private rooms of 10 and one DM:
//     room A = 10 consecutive users (i / 10), room B = users with the same i % (N / 10) (one of each A room),
//     DM between i and N-1-i; so 19 contacts each. Writes their tokens and inboxes to FILE.
//   node bench.js presence-storm --url URL --pids PID --redis-port P --redis-pid PID --setup FILE --label on|off --out FILE
//     on a fresh node over a copy of that store: a warm-up (the first --presence-warmup 1000 users connect and
//     leave), then the measured storm — every user connects and registers, --connect-concurrency (200) in flight
//     — a hold of --presence-hold-seconds (10) with everyone connected, then the odd users leave (the even ones
//     receive their offline events), then the rest. Per phase: server (JVM) and redis-server CPU from /proc,
//     Redis INFO commandstats deltas (commands made inside a Lua script count too), presence events the
//     clients received; connect rate and register latency (connect started → `ready`).
const fs = require('fs');
const hist = require('./lib/hist');
const proc = require('./lib/proc');
const rest = require('./lib/rest');
const redisInfo = require('./lib/redis-info');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function setup(ctx) {
  const { num, opt, log, urls, runId, sourceAddress } = ctx;
  const base = urls[0];
  const n = num('presence-users', 5000);
  const roomSize = 10;
  if (n % (roomSize * roomSize) !== 0) throw new Error('--presence-users must be a multiple of 100');
  const tenant = `presence-${runId}`;
  const t0 = Date.now();
  let done = 0;
  const users = await rest.pool(Array.from({ length: n }, (_, i) => i), num('rest-concurrency', 16), async (i) => {
    const u = await rest.userWithToken(base, tenant, `p${i}`);
    if (++done % 1000 === 0) log(`users: ${done}/${n} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    return u;
  });
  const usersMs = Date.now() - t0;
  const groups = n / roomSize;
  const conversations = [];
  for (let g = 0; g < groups; g++) {
    conversations.push({ type: 'room', name: `a-${g}`, members: Array.from({ length: roomSize }, (_, k) => g * roomSize + k) });
  }
  for (let g = 0; g < groups; g++) {
    conversations.push({ type: 'room', name: `b-${g}`, members: Array.from({ length: roomSize }, (_, k) => g + k * groups) });
  }
  for (let i = 0; i < n / 2; i++) conversations.push({ type: 'dm', members: [i, n - 1 - i] });
  const t1 = Date.now();
  let made = 0;
  await rest.pool(conversations, num('rest-concurrency', 16) / 2, async (c) => {
    const [owner, ...others] = c.members.map((i) => users[i]);
    const body = c.type === 'dm' ? { type: 'dm', members: [others[0].username] }
      : { type: 'room', name: c.name, visibility: 'private', members: others.map((u) => u.username) };
    await rest.request(base, 'POST', '/api/conversations', body, owner.token);
    if (++made % 1000 === 0) log(`conversations: ${made}/${conversations.length}`);
  });
  const specs = users.map((u, i) => ({
    idx: i,
    roomNo: Math.floor(i / roomSize), // the workers' partition key: A rooms stay whole in one worker
    token: u.token,
    inbox: `parley.client.${tenant}.${u.userId}`,
    localAddress: sourceAddress(i),
  }));
  const file = opt('setup', null);
  fs.writeFileSync(file, JSON.stringify({ tenant, users: n, conversations: conversations.length,
    contactsPerUser: 2 * (roomSize - 1) + 1, usersMs, conversationsMs: Date.now() - t1, specs }));
  log(`setup: ${n} users in ${(usersMs / 1000).toFixed(0)} s, ${conversations.length} conversations in ${((Date.now() - t1) / 1000).toFixed(0)} s`);
}

async function storm(ctx) {
  const { num, opt, log, urls, pids, writeResult, startWorkers, partition } = ctx;
  const setupData = JSON.parse(fs.readFileSync(opt('setup', null), 'utf8'));
  const label = opt('label', '?');
  const redisPort = num('redis-port', 0);
  const redisPids = ctx.list('redis-pid', '').map(Number);
  const concurrency = num('connect-concurrency', 200);
  const nWorkers = num('workers', 4);
  const warmupN = num('presence-warmup', 1000);
  const holdMs = num('presence-hold-seconds', 10) * 1000;
  // live.presence_ttl_seconds (10) and its heartbeat (a third): a presence write that failed is retried by the
  // next heartbeat; a drop that failed is swept once its entry passes the TTL. Phases wait that long.
  const ttlMs = num('presence-ttl-seconds', 10) * 1000 + 2000;
  const heartbeatMs = (num('presence-ttl-seconds', 10) * 1000) / 3 + 1000;
  const specs = setupData.specs.map((s) => ({ ...s, url: urls[s.idx % urls.length] }));
  const workers = startWorkers(nWorkers);

  const snap = async () => ({
    at: Date.now(),
    node: proc.sample(pids),
    redis: proc.sample(redisPids),
    info: redisPort ? await redisInfo.info(redisPort) : null,
    events: await presenceEvents(workers),
    machineUs: proc.machineBusyUs(),
  });
  const phase = (a, b, count) => {
    const commands = a.info && b.info ? redisInfo.commandDelta(a.info, b.info) : {};
    const calls = (cmd) => (commands[cmd] ? commands[cmd].calls : 0);
    const allCalls = Object.values(commands).reduce((x, c) => x + c.calls, 0);
    const nodeCpuUs = b.node.cpuUs - a.node.cpuUs;
    const redisCpuUs = b.redis.cpuUs - a.redis.cpuUs;
    const events = {};
    for (const k of new Set([...Object.keys(a.events), ...Object.keys(b.events)])) events[k] = (b.events[k] || 0) - (a.events[k] || 0);
    const eventCount = Object.values(events).reduce((x, v) => x + v, 0);
    const ms = b.at - a.at;
    return {
      ms, count, nodeCpuUs, redisCpuUs,
      nodeCpuMsPer: count ? nodeCpuUs / 1000 / count : null,
      redisCpuMsPer: count ? redisCpuUs / 1000 / count : null,
      nodeCores: nodeCpuUs / 1000 / ms,
      redisCores: redisCpuUs / 1000 / ms,
      othersCores: Math.max(0, (b.machineUs - a.machineUs - nodeCpuUs - redisCpuUs) / 1000 / ms), // includes the generator
      redisCalls: allCalls,
      redisCallsPer: count ? allCalls / count : null,
      evalshaPer: count ? (calls('evalsha') + calls('eval')) / count : null,
      publishPer: count ? calls('publish') / count : null,
      redisCommands: commands,
      presenceEvents: events,
      presenceEventCount: eventCount,
      nodeRssKb: b.node.rssKb,
      redisRssKb: b.redis.rssKb,
      redisUsedMemory: b.info ? Number(b.info.fields.used_memory) : null,
    };
  };
  /**
   * The tail of a phase (presence writes and announcements): at least minMs, then until the node used ≤ quiet
   * cores over 1 s, at most maxMs in all. Same windows with presence off and on.
   */
  const settle = async (minMs, maxMs = minMs + 15000) => {
    const until = Date.now() + maxMs;
    await sleep(minMs);
    for (;;) {
      const a = proc.sample(pids);
      await sleep(1000);
      const b = proc.sample(pids);
      if ((b.cpuUs - a.cpuUs) / 1e6 <= num('presence-quiet-cores', 0.15) || Date.now() > until) return;
    }
  };

  const othersBefore = await proc.waitQuiet(num('quiet-cores', 0.3), num('quiet-wait-seconds', 60) * 1000, log);
  const result = { label, users: specs.length, conversations: setupData.conversations, contactsPerUser: setupData.contactsPerUser,
    workers: nWorkers, concurrency, othersCoresBefore: othersBefore, idle: proc.sample(pids).rssKb };

  // warm-up: the JIT and pools on the connect/close paths, not measured
  if (warmupN > 0) {
    const warm = specs.slice(0, warmupN);
    const w = await connectAll(workers, partition(warm, nWorkers), concurrency);
    await Promise.all(workers.map((wk) => wk.ask({ cmd: 'disconnect', modulo: 1 }, 'disconnected')));
    await settle(ttlMs);
    log(`${label}: warm-up ${w.ok} connected (${w.perSecond.toFixed(0)}/s) and left`);
  }

  const s0 = await snap();
  const conn = await connectAll(workers, partition(specs, nWorkers), concurrency);
  const connectedAt = Date.now();
  await settle(heartbeatMs);
  const s1 = await snap();
  result.connect = { ...conn, ...phase(s0, s1, conn.ok), settleMs: s1.at - connectedAt };
  log(`${label}: ${conn.ok} registered (failed ${conn.failed}) in ${(conn.ms / 1000).toFixed(1)} s: ${conn.perSecond.toFixed(0)}/s,` +
    ` register p50 ${conn.latency.p50} p99 ${conn.latency.p99} ms; node ${result.connect.nodeCpuMsPer.toFixed(2)} ms CPU per connect,` +
    ` redis ${result.connect.redisCallsPer.toFixed(1)} commands per connect; presence events ${result.connect.presenceEventCount}`);

  await sleep(holdMs);
  const s2 = await snap();
  result.hold = phase(s1, s2, null);
  log(`${label}: hold ${holdMs / 1000} s: node ${result.hold.nodeCores.toFixed(3)} cores, redis ${result.hold.redisCores.toFixed(3)} cores, ${(result.hold.redisCalls * 1000 / result.hold.ms).toFixed(0)} redis commands/s`);

  // the odd users leave while the even ones (their contacts: A rooms split 5/5) hear of it, then the rest
  const odd = await Promise.all(workers.map((w) => w.ask({ cmd: 'disconnect', modulo: 2, remainder: 1 }, 'disconnected')));
  const oddN = odd.reduce((a, r) => a + r.closed, 0);
  await settle(ttlMs);
  const s3 = await snap();
  const even = await Promise.all(workers.map((w) => w.ask({ cmd: 'disconnect', modulo: 1 }, 'disconnected')));
  const evenN = even.reduce((a, r) => a + r.closed, 0);
  await settle(ttlMs);
  const s4 = await snap();
  result.disconnectHalf = phase(s2, s3, oddN);
  result.disconnect = phase(s2, s4, oddN + evenN);
  result.stats = await workerStats(workers);
  result.serverAlive = pids.every((p) => proc.alive(p));
  result.loadAvg = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const nodeLog = opt('node-log', null);
  if (nodeLog && fs.existsSync(nodeLog)) {
    // PresenceTracker logs the first failure of a streak and the recovery: streaks, not failed writes
    const lines = fs.readFileSync(nodeLog, 'utf8').split('\n');
    result.presenceFailureStreaks = lines.filter((l) => l.includes('presence could not be updated')).length;
    const first = lines.find((l) => l.includes('presence could not be updated'));
    result.presenceFailure = first ? first.slice(first.indexOf('(') + 1, first.lastIndexOf(')')) : null;
  }
  log(`${label}: ${oddN + evenN} left; node ${result.disconnect.nodeCpuMsPer.toFixed(2)} ms CPU per disconnect, redis ${result.disconnect.redisCallsPer.toFixed(1)} commands per disconnect;` +
    ` offline events heard by those still connected: ${result.disconnectHalf.presenceEvents.offline || 0}`);
  await Promise.all(workers.map((w) => w.ask({ cmd: 'close' }, 'closed').catch(() => null)));
  return writeResult(result);
}

async function connectAll(workers, parts, concurrencyTotal) {
  const per = Math.max(1, Math.floor(concurrencyTotal / workers.length));
  const t0 = Date.now();
  const rs = await Promise.all(workers.map((w, i) => w.ask({ cmd: 'connect', system: 'parley', clients: parts[i], url: null, concurrency: per }, 'connected')));
  const latency = hist.create();
  const failures = {};
  for (const r of rs) {
    hist.merge(latency, hist.fromJSON(r.latency));
    for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] || 0) + v;
  }
  const ok = rs.reduce((a, r) => a + r.ok, 0);
  const ms = Math.max(...rs.map((r) => r.endedAt)) - t0;
  return { ok, failed: rs.reduce((a, r) => a + r.failed, 0), failures, ms, perSecond: ms > 0 ? (ok * 1000) / ms : null, latency: hist.summary(latency) };
}

async function presenceEvents(workers) {
  const rs = await Promise.all(workers.map((w) => w.ask({ cmd: 'stats' }, 'stats')));
  const sum = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.presenceEvents || {})) sum[k] = (sum[k] || 0) + v;
  return sum;
}

async function workerStats(workers) {
  const rs = await Promise.all(workers.map((w) => w.ask({ cmd: 'stats' }, 'stats')));
  const errorCodes = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.errorCodes)) errorCodes[k] = (errorCodes[k] || 0) + v;
  return { closedUnexpectedly: rs.reduce((a, r) => a + r.closedUnexpectedly, 0), errorCodes, genRssKb: rs.reduce((a, r) => a + r.rssKb, 0) };
}

module.exports = { setup, storm };
