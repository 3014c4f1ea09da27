#!/usr/bin/env node
'use strict';
// The load generator's driver: makes the users and rooms, forks worker processes that hold the
// connections, steps the offered load, and writes one JSON result per system and scenario.
// scripts/bench.sh starts and stops the servers and calls this once per system; report.js turns
// the JSON files into tables.
//
//   node bench.js fanout --system parley|peer --url URL[,URL…] --pids PID[,PID…] --out FILE
//   node bench.js idle   --system parley|peer --url … --pids … [--jvm-pids PID,…] --out FILE
//   node bench.js growth-measure --url URL --pids PID --out FILE --label empty|seeded [--growth-mix 5,1,2,1,1]
//     (the mix: sends, thread replies, edits of one's own message, reactions added, taken off; --growth-rate ops/s;
//     then reads: history, thread, sync over the bridge; the user directory and /api/me over REST, in a tenant of
//     --directory-users 500 more users)
//   node bench.js growth-seed-api --url URL --seconds 180 --out FILE [--label L --pids P --store-dir D]
//     (scripts/bench.sh sends: closed-loop acked sends/s, ack latency, CPU per send, disk per message)
//   node bench.js abuse-setup --url URL --setup FILE            (scripts/bench.sh abuse; see abuse.js)
//   node bench.js abuse-slow|abuse-flood --url URL --pids PID --setup FILE --build before|now --out FILE
//   node bench.js presence-setup --url URL --setup FILE        (scripts/bench.sh presence; see presence.js)
//   node bench.js presence-storm --url URL --pids PID --redis-port P --redis-pid PID --setup FILE --label on|off --out FILE
//   node bench.js attachments --system parley|peer --url URL --pids PIDS --files DIR --out FILE   (see attachments.js)
//
// Options (also as environment variables BENCH_<NAME>): --clients 1000 --room-size 10 --workers 2
// --steps 250,500,625,… (offered deliveries/s) --step-seconds 10 --drain-seconds 15 --sources 8
// --levels 5000,10000,19000 (idle) --p99-limit-ms 100
const { fork } = require('child_process');
const fs = require('fs');
const path = require('path');
const hist = require('./lib/hist');
const proc = require('./lib/proc');
const rest = require('./lib/rest');

// ---- arguments ----------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const scenario = argv[0];
const opts = {};
for (let i = 1; i < argv.length; i++) {
  if (argv[i].startsWith('--')) {
    const k = argv[i].slice(2);
    const v = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
    opts[k] = v;
  }
}
function opt(name, dflt) {
  const env = process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  return opts[name] ?? env ?? dflt;
}
const num = (name, dflt) => Number(opt(name, dflt));
const list = (name, dflt) => String(opt(name, dflt)).split(',').filter(Boolean);

const system = opt('system', 'parley');
const urls = list('url', 'http://127.0.0.1:8080');
const pids = list('pids', '').map(Number);
const jvmPids = list('jvm-pids', '').map(Number);
const outFile = opt('out', null);
const sources = num('sources', 8);
const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;

function log(...args) {
  console.log(`[bench ${system} ${scenario}]`, ...args);
}

function sourceAddress(i) {
  return `127.0.0.${2 + (i % sources)}`;
}

function writeResult(result) {
  const full = {
    scenario,
    system,
    urls,
    peerClient: system === 'peer' ? process.env.BENCH_PEER_CLIENT || 'raw' : undefined,
    startedAt: new Date(started).toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    ...result,
  };
  if (outFile) {
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, JSON.stringify(full, null, 1));
  }
  return full;
}
const started = Date.now();

// ---- users and rooms ----------------------------------------------------------------------------

/**
 * nClients clients in rooms of roomSize. Parley: real users (register + login over REST) in private
 * rooms; peer: room names only. Returns [{idx, room, token, inbox, url, localAddress}].
 */
async function makeClients(nClients, roomSize, tenant, existing) {
  const specs = existing ? existing.slice() : [];
  const from = specs.length;
  const t0 = Date.now();
  if (system === 'parley') {
    const base = urls[0];
    const idxs = Array.from({ length: nClients - from }, (_, k) => from + k);
    let done = 0;
    const users = await rest.pool(idxs, num('rest-concurrency', 16), async (i) => {
      const u = await rest.userWithToken(base, tenant, `u${i}`);
      if (++done % 1000 === 0) log(`users: ${done}/${idxs.length}`);
      return u;
    });
    const roomStarts = [];
    for (let r = from; r < nClients; r += roomSize) roomStarts.push(r);
    const roomIds = await rest.pool(roomStarts, num('rest-concurrency', 16) / 2, async (r) => {
      const members = users.slice(r - from + 1, r - from + roomSize).map((u) => u.username);
      return rest.createRoom(base, users[r - from], `room-${r / roomSize}`, members);
    });
    idxs.forEach((i, k) => {
      const u = users[k];
      specs.push({
        idx: i,
        room: roomIds[Math.floor(k / roomSize)],
        roomNo: Math.floor(i / roomSize),
        token: u.token,
        inbox: `parley.client.${tenant}.${u.userId}`,
        url: urls[i % urls.length],
        localAddress: sourceAddress(i),
      });
    });
  } else {
    for (let i = from; i < nClients; i++) {
      specs.push({
        idx: i,
        room: `${tenant}-room-${Math.floor(i / roomSize)}`,
        roomNo: Math.floor(i / roomSize),
        url: urls[i % urls.length],
        localAddress: sourceAddress(i),
      });
    }
  }
  log(`setup: ${nClients - from} clients in rooms of ${roomSize} made in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { specs, setupMs: Date.now() - t0 };
}

// ---- workers ------------------------------------------------------------------------------------

class Worker {
  constructor(i) {
    this.i = i;
    this.child = fork(path.join(__dirname, 'worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.waiters = [];
    this.child.on('message', (m) => {
      if (m.ev === 'error') {
        console.error(`worker ${i}: ${m.message}`);
        return;
      }
      const w = this.waiters.findIndex((x) => x.ev === m.ev);
      if (w >= 0) this.waiters.splice(w, 1)[0].resolve(m);
    });
    this.child.on('exit', (code) => {
      for (const w of this.waiters) w.reject(new Error(`worker ${i} exited (${code})`));
      this.waiters = [];
    });
  }

  ask(msg, ev) {
    return new Promise((resolve, reject) => {
      this.waiters.push({ ev, resolve, reject });
      this.child.send(msg);
    });
  }

  pid() {
    return this.child.pid;
  }
}

function startWorkers(n) {
  return Array.from({ length: n }, (_, i) => new Worker(i));
}

/** Rooms are never split across workers: room r goes to worker r % n. */
function partition(specs, n) {
  const parts = Array.from({ length: n }, () => []);
  for (const s of specs) parts[s.roomNo % n].push(s);
  return parts;
}

async function connect(workers, parts, concurrencyTotal) {
  const per = Math.max(1, Math.floor(concurrencyTotal / workers.length));
  const t0 = Date.now();
  const rs = await Promise.all(workers.map((w, i) =>
    w.ask({ cmd: 'connect', system, clients: parts[i], url: urls[0], concurrency: per }, 'connected')));
  const ok = rs.reduce((a, r) => a + r.ok, 0);
  const failed = rs.reduce((a, r) => a + r.failed, 0);
  const failures = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] || 0) + v;
  const ms = Math.max(...rs.map((r) => r.endedAt)) - t0;
  const rate = ms > 0 ? (ok * 1000) / ms : null;
  log(`connected ${ok} (failed ${failed}) in ${(ms / 1000).toFixed(1)} s: ${rate ? rate.toFixed(0) : '-'} connects/s`,
    failed ? JSON.stringify(failures) : '');
  return { ok, failed, failures, ms, perSecond: rate };
}

async function workerStats(workers) {
  const rs = await Promise.all(workers.map((w) => w.ask({ cmd: 'stats' }, 'stats')));
  const sum = { open: 0, total: 0, closedUnexpectedly: 0, other: 0, errorCodes: {}, genCpuUs: 0, genRssKb: 0 };
  for (const r of rs) {
    sum.open += r.open;
    sum.total += r.total;
    sum.closedUnexpectedly += r.closedUnexpectedly;
    sum.other += r.other;
    sum.genCpuUs += r.cpu.user + r.cpu.system;
    sum.genRssKb += r.rssKb;
    for (const [k, v] of Object.entries(r.errorCodes)) sum.errorCodes[k] = (sum.errorCodes[k] || 0) + v;
  }
  return sum;
}

async function closeWorkers(workers) {
  await Promise.all(workers.map((w) => w.ask({ cmd: 'close' }, 'closed').catch(() => null)));
}

function serverAlive() {
  return pids.every((p) => proc.alive(p));
}

// ---- fanout -------------------------------------------------------------------------------------

async function fanout() {
  const nClients = num('clients', 1000);
  const roomSize = num('room-size', 10);
  const defaultSteps = '250,500,625,750,875,1000,1250,1500,2250,3000,5000,7500,10000,15000,20000,25000,30000,35000,40000,50000,60000,70000,80000,100000';
  // a cluster of today's Parley saturates below 250 (its shared store process)
  const steps = list('steps', scenario === 'cluster' ? `100,175,${defaultSteps}` : defaultSteps).map(Number);
  const stepMs = num('step-seconds', 10) * 1000;
  const drainMs = num('drain-seconds', 15) * 1000;
  const p99Limit = num('p99-limit-ms', 100);
  const nWorkers = num('workers', 2);

  const idle0 = proc.sample(pids);
  const { specs, setupMs } = await makeClients(nClients, roomSize, `bench-${runId}`);
  const workers = startWorkers(nWorkers);
  const parts = partition(specs, nWorkers);
  const before = proc.sample(pids);
  const conn = await connect(workers, parts, num('connect-concurrency', 200));
  const afterConnect = proc.sample(pids);
  const result = {
    clients: nClients,
    roomSize,
    workers: nWorkers,
    setupMs,
    connect: conn,
    serverRssKb: { beforeSetup: idle0.rssKb, beforeConnect: before.rssKb, afterConnect: afterConnect.rssKb },
    steps: [],
  };
  if (conn.failed > 0 && conn.ok === 0) {
    await closeWorkers(workers);
    return writeResult({ ...result, error: 'no client connected' });
  }
  // warm-up (not reported): the lowest rate for a few seconds
  // long enough for the JIT of every JVM in play (cluster: 3 of them on 2 cores); same for the peer
  const warm = num('warmup-seconds', 20) * 1000;
  if (warm > 0) {
    await runStep(workers, parts, 0, steps[0] / roomSize, warm, drainMs);
    log(`warm-up done`);
  }
  let id = 1;
  for (const offered of steps) {
    if (!serverAlive()) {
      result.stoppedBy = 'server process died';
      break;
    }
    const others = await proc.waitQuiet(num('quiet-cores', 0.3), num('quiet-wait-seconds', 60) * 1000, log);
    const r = await runStep(workers, parts, id++, offered / roomSize, stepMs, drainMs);
    r.othersBeforeCores = others;
    r.offeredDeliveriesPerSec = offered;
    result.steps.push(r);
    log(`offered ${offered}/s: delivered ${r.deliveriesPerSec.toFixed(0)}/s p50 ${r.latency.p50} p99 ${r.latency.p99} p99.9 ${r.latency.p999} ms;` +
      ` ack p99 ${r.ack.p99} ms; lost ${r.lost} dup ${r.duplicates} err ${r.errors} timeouts ${r.ackTimeouts};` +
      ` server ${r.serverCpuUsPerDelivery?.toFixed(1)} µs/delivery (${(r.serverCpuCores * 100).toFixed(0)} % of a core), generator ${(r.genCpuCores * 100).toFixed(0)} %, others ${(r.othersCpuCores * 100).toFixed(0)} %`);
    const over = r.latency.p99 == null || r.latency.p99 > p99Limit || r.lost > 0 || r.errors > 0 || r.ackTimeouts > 0 || r.duplicates > 0;
    if (over) {
      result.stoppedBy = r.latency.p99 > p99Limit ? `p99 ${r.latency.p99} ms > ${p99Limit} ms` : 'losses, errors or timeouts';
      break;
    }
  }
  if (!result.stoppedBy) result.stoppedBy = 'last step reached';
  const ok = result.steps.filter((s) => s.latency.p99 != null && s.latency.p99 <= p99Limit && s.lost === 0 && s.errors === 0 && s.ackTimeouts === 0 && s.duplicates === 0);
  result.maxDeliveriesPerSecAtP99 = ok.length ? Math.max(...ok.map((s) => s.deliveriesPerSec)) : 0;
  result.workerStats = await workerStats(workers);
  result.serverRssKb.end = proc.sample(pids).rssKb;
  await closeWorkers(workers);
  log(`max deliveries/s with p99 ≤ ${p99Limit} ms: ${result.maxDeliveriesPerSecAtP99.toFixed(0)} (stopped: ${result.stoppedBy})`);
  return writeResult(result);
}

async function runStep(workers, parts, id, sendsPerSec, durationMs, drainMs) {
  const total = parts.reduce((a, p) => a + p.length, 0);
  const s0 = proc.sample(pids);
  const m0 = proc.machineBusyUs();
  const g0 = process.cpuUsage();
  const rs = await Promise.all(workers.map((w, i) =>
    w.ask({ cmd: 'step', id, sendsPerSec: (sendsPerSec * parts[i].length) / total, durationMs, drainMs }, 'stepDone')));
  const s1 = proc.sample(pids);
  const m1 = proc.machineBusyUs();
  const g1 = process.cpuUsage(g0);
  const results = rs.map((m) => m.result);
  const sum = (k) => results.reduce((a, r) => a + r[k], 0);
  const lat = hist.create();
  const ack = hist.create();
  for (const r of results) {
    hist.merge(lat, hist.fromJSON(r.sendLatency));
    hist.merge(ack, hist.fromJSON(r.ackLatency));
  }
  const sendMs = Math.max(...results.map((r) => r.sendMs));
  const wallMs = s1.at - s0.at;
  const delivered = sum('delivered');
  const serverCpu = s1.cpuUs - s0.cpuUs;
  const genCpu = sum('genCpuUs') + g1.user + g1.system;
  return {
    id,
    offeredSendsPerSec: sendsPerSec,
    sendMs,
    wallMs,
    sends: sum('sends'),
    acked: sum('acked'),
    errors: sum('errors'),
    ackTimeouts: sum('ackTimeouts'),
    expected: sum('expected'),
    delivered,
    lost: sum('lost'),
    duplicates: sum('duplicates'),
    late: sum('late'),
    generatorLagMaxMs: Math.max(...results.map((r) => r.lagMaxMs)),
    deliveriesPerSec: (delivered * 1000) / sendMs,
    latency: hist.summary(lat),
    ack: hist.summary(ack),
    serverCpuUs: serverCpu,
    serverCpuUsPerDelivery: delivered ? serverCpu / delivered : null,
    serverCpuCores: serverCpu / 1000 / wallMs,
    serverRssKb: s1.rssKb,
    // per server process: cores used over the step
    serverCoresByPid: Object.fromEntries(Object.keys(s1.per).map((pid) => [pid,
      s1.per[pid] && s0.per[pid] ? (s1.per[pid].cpuUs - s0.per[pid].cpuUs) / 1000 / wallMs : null])),
    genCpuUs: genCpu,
    genCpuUsPerDelivery: delivered ? genCpu / delivered : null,
    genCpuCores: genCpu / 1000 / wallMs,
    genKernelShare: genCpu ? sum('genSysCpuUs') / genCpu : null,
    // what else ran on the box meanwhile (another engineer's build, the kernel's share not charged to us)
    othersCpuCores: Math.max(0, (m1 - m0 - serverCpu - genCpu) / 1000 / wallMs),
  };
}

// ---- idle ---------------------------------------------------------------------------------------

async function idle() {
  const levels = list('levels', '5000,10000,19000').map(Number);
  const roomSize = num('room-size', 10);
  const nWorkers = num('workers', 4);
  const settleMs = num('settle-seconds', 10) * 1000;
  const tenant = `idle-${runId}`;
  const result = { levels: [], roomSize, workers: nWorkers };
  const workers = startWorkers(nWorkers);
  // Users (and their rooms) are made once; connection i belongs to user i % idleUsers, so a level of
  // 19k connections does not need 19k password hashes at setup. Both systems get the same mapping.
  const idleUsers = Math.min(num('idle-users', 1000), Math.max(...levels));
  const made = await makeClients(idleUsers, roomSize, tenant);
  result.users = idleUsers;
  result.setupMs = made.setupMs;
  // baseline after the users exist, before any connection (for the JVM: after a full GC, as at each level)
  const heap0 = jvmPids.length ? jvmPids.map((p) => proc.jvmHeapAfterGc(p)) : null;
  const base = proc.sample(pids);
  result.baseline = { rssKb: base.rssKb, heapUsedKb: heap0 ? heap0.reduce((a, h) => a + (h ? h.usedKb : 0), 0) : null };
  log(`baseline: server RSS ${(base.rssKb / 1024).toFixed(0)} MB` + (heap0 ? `, live heap ${(result.baseline.heapUsedKb / 1024).toFixed(1)} MB` : ''));
  const specFor = (i) => ({ ...made.specs[i % idleUsers], idx: i, localAddress: sourceAddress(i) });
  let connected = 0;
  for (const level of levels) {
    const fresh = Array.from({ length: level - connected }, (_, k) => specFor(connected + k));
    const parts = partition(fresh, nWorkers);
    const conn = await connect(workers, parts, num('connect-concurrency', 200));
    connected = level;
    await new Promise((r) => setTimeout(r, settleMs));
    const stats = await workerStats(workers);
    const heap = jvmPids.length ? jvmPids.map((p) => proc.jvmHeapAfterGc(p)) : null;
    const s = proc.sample(pids);
    const heapUsedKb = heap ? heap.reduce((a, h) => a + (h ? h.usedKb : 0), 0) : null;
    const entry = {
      target: level,
      open: stats.open,
      connect: conn,
      serverRssKb: s.rssKb,
      rssKbPerConnection: stats.open ? (s.rssKb - base.rssKb) / stats.open : null,
      heapUsedKb,
      heapKbPerConnection: heapUsedKb != null && stats.open ? (heapUsedKb - result.baseline.heapUsedKb) / stats.open : null,
      closedUnexpectedly: stats.closedUnexpectedly,
      errorCodes: stats.errorCodes,
      genRssKb: stats.genRssKb,
      serverAlive: serverAlive(),
    };
    result.levels.push(entry);
    log(`level ${level}: ${stats.open} open, server RSS ${(s.rssKb / 1024).toFixed(0)} MB → ${entry.rssKbPerConnection?.toFixed(1)} KB/connection` +
      (heapUsedKb != null ? `, live heap ${(heapUsedKb / 1024).toFixed(1)} MB → ${entry.heapKbPerConnection?.toFixed(1)} KB/connection` : '') +
      `; ${conn.perSecond?.toFixed(0)} connects/s; failed ${conn.failed}; closed ${stats.closedUnexpectedly}`);
    if (conn.failed > 0 || stats.open < level || !entry.serverAlive) {
      result.stoppedBy = `at ${level}: ${conn.failed} failed to connect, ${stats.open} open` + (entry.serverAlive ? '' : ', server died');
      break;
    }
  }
  const ok = result.levels.filter((l) => l.open >= l.target);
  result.maxConnections = ok.length ? ok[ok.length - 1].open : 0;
  await closeWorkers(workers);
  return writeResult(result);
}

// ---- growth (Parley only: the peer stores nothing) ----------------------------------------------

const { ParleyClient } = require('./lib/parley-client');

// The measured mix: of each sum(--growth-mix) operations, this many of each kind, spread evenly.
const MIX_KINDS = ['send', 'reply', 'edit', 'react', 'unreact'];
const EMOJIS = ['👍', '🎉', '❤️', '😂', '👀', '🚀'];

/** Kinds in the order they are offered: a smooth weighted round robin over the mix's counts. */
function mixPattern(counts) {
  const total = counts.reduce((a, b) => a + b, 0);
  const credit = counts.map(() => 0);
  const pattern = [];
  for (let i = 0; i < total; i++) {
    counts.forEach((c, k) => { credit[k] += c; });
    const k = credit.indexOf(Math.max(...credit));
    credit[k] -= total;
    pattern.push(MIX_KINDS[k]);
  }
  return pattern;
}

/** `count` requests one after another (as a client opening a room does), round robin over the clients. */
async function sequential(clients, count, address, body) {
  const h = hist.create();
  let errors = 0;
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    try {
      await clients[i % clients.length].request(address, body);
      hist.record(h, (performance.now() - t) * 1000);
    } catch (_) {
      errors++;
    }
  }
  return { latency: hist.summary(h), errors };
}

/**
 * The directory's reads, one after another over REST, round robin over the callers; `ask(i)` gives the
 * i-th request's path and the answer's expected number of users (a wrong count is an error, not a sample).
 */
async function sequentialRest(base, callers, count, ask) {
  const h = hist.create();
  let errors = 0;
  const wrong = [];
  for (let i = 0; i < count; i++) {
    const { method = 'GET', path: p, body, expect } = ask(i);
    const t = performance.now();
    try {
      const answer = await rest.request(base, method, p, body, callers[i % callers.length].token);
      const took = (performance.now() - t) * 1000;
      if (expect != null && answer.users.length !== expect) {
        errors++;
        if (wrong.length < 5) wrong.push(`${p}: ${answer.users.length} users, expected ${expect}`);
      } else {
        hist.record(h, took);
      }
    } catch (err) {
      errors++;
      if (wrong.length < 5) wrong.push(String(err.message).slice(0, 160));
    }
  }
  return { latency: hist.summary(h), errors, wrong };
}

/** The measured tenant's directory rows: m0000, m0001, … named "Member 0000", … — as SeedStore names every seeded tenant's. */
const directoryName = (i) => `m${String(i).padStart(4, '0')}`;
const directoryDisplayName = (i) => `Member ${String(i).padStart(4, '0')}`;

/**
 * Directory search, lookup by ids and the profile, each `count` times after `warmup` unmeasured: prefixes
 * that match ≥ 100 users (by username, by display name, by both), prefixes that match 0–10, 100 ids a
 * request (95 of this tenant, 5 of seeded tenants: absent from the answer), GET and PUT /api/me.
 */
async function directoryReads(base, callers, dirUsers, limit, count, warmup) {
  const names = [...callers.map((u) => ({ key: u.username.toLowerCase(), display: '' })),
    ...dirUsers.map((u, i) => ({ key: directoryName(i), display: directoryDisplayName(i).toLowerCase() }))];
  const matching = (q) => names.filter((n) => n.key.startsWith(q) || n.display.startsWith(q)).length;
  const n = dirUsers.length;
  const digits = (i) => String(i).padStart(4, '0');
  const mid = Math.floor(n / 2);
  const broad = ['m', 'me', 'member', 'M0', `m${digits(mid).slice(0, 2)}`, `Member ${digits(mid).slice(0, 2)}`]
    .filter((q) => matching(q.toLowerCase()) >= Math.min(100, n));
  const narrow = [`m${digits(mid).slice(0, 3)}`, `member ${digits(n - 1)}`, directoryName(Math.floor(n / 3)), 'zz', 'member 9999x'];
  const search = (qs) => (i) => {
    const q = qs[i % qs.length];
    return { path: `/api/users?q=${encodeURIComponent(q)}&limit=${limit}`, expect: Math.min(limit, matching(q.toLowerCase())) };
  };
  let pickSeq = 0;
  const byIds = () => {
    const ids = [];
    for (let k = 0; k < 95; k++) ids.push(dirUsers[(pickSeq * 97 + k * 7) % n]);
    for (let k = 0; k < 5; k++) ids.push(`seed-${(pickSeq * 5 + k) % 1000}-${directoryName(k)}`);
    pickSeq++;
    const distinct = new Set(ids.slice(0, 95)).size;
    return { path: `/api/users?ids=${ids.map(encodeURIComponent).join(',')}`, expect: distinct };
  };
  const kinds = {
    searchBroad: search(broad),
    searchNarrow: search(narrow),
    byIds,
    me: () => ({ path: '/api/me' }),
    rename: (i) => ({ method: 'PUT', path: '/api/me', body: { displayName: `Guest ${i % 97}` } }),
  };
  const out = { limit, warmup, prefixes: { broad, narrow, matchesBroad: broad.map((q) => matching(q.toLowerCase())), matchesNarrow: narrow.map((q) => matching(q.toLowerCase())) } };
  for (const [kind, ask] of Object.entries(kinds)) {
    await sequentialRest(base, callers, warmup, ask);
    out[kind] = await sequentialRest(base, callers, count, ask);
  }
  return out;
}

/** parley_store_unindexed_queries_total over every query shape (IndexAudit), from the node's /metrics; null if unreadable. */
async function scannedQueries(base) {
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    return text.split('\n').filter((l) => l.startsWith('parley_store_unindexed_queries_total'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  } catch (_) {
    return null;
  }
}

async function growthMeasure() {
  const label = opt('label', 'empty');
  const base = urls[0];
  const tenant = `growth-${label}-${runId}`;
  const roomSize = num('room-size', 10);
  const rate = num('growth-rate', 20); // operations/s, all kinds together
  const seconds = num('growth-seconds', 30);
  const histories = num('histories', 200);
  const mixCounts = list('growth-mix', '5,1,2,1,1').map(Number); // send, reply, edit, react, unreact
  const pattern = mixPattern(mixCounts);
  const users = await rest.pool(Array.from({ length: roomSize }, (_, i) => i), 8, (i) => rest.userWithToken(base, tenant, `g${i}`));
  // the directory's rows: some hundreds in the measured tenant, the same on either store, so a prefix matches many
  const directoryUsers = num('directory-users', 500);
  const tReg = performance.now();
  const dirUsers = await rest.pool(Array.from({ length: directoryUsers }, (_, i) => i), 8,
    (i) => rest.register(base, tenant, directoryName(i), directoryDisplayName(i)));
  const registerMs = performance.now() - tReg;
  log(`${label}: ${directoryUsers} directory users registered in ${(registerMs / 1000).toFixed(1)} s`);
  const room = await rest.createRoom(base, users[0], 'growth', users.slice(1).map((u) => u.username));
  const clientsG = users.map((u) => new ParleyClient(base, u, sourceAddress(0)));
  await Promise.all(clientsG.map((c) => c.connect()));
  const kinds = Object.fromEntries(MIX_KINDS.map((k) => [k, { n: 0, errors: 0, errorCodes: {}, skipped: 0, ack: hist.create() }]));
  const delivery = hist.create();
  let expected = 0;
  let delivered = 0;
  for (const c of clientsG) {
    // message events only (a reply is one too; message.changed and thread.reply never reach onMessage)
    c.onMessage = (m) => {
      const parts = String(m.text).split('~');
      if (parts[0] === 'G' || parts[0] === 'R') delivered++;
      if (parts[0] === 'G') hist.record(delivery, (performance.now() - Number(parts[2])) * 1000);
    };
  }
  // What the mix acts on: acked messages (all, and each client's own), thread roots, each client's acked reactions.
  const recent = [];
  const own = clientsG.map(() => []);
  const roots = [];
  const rootCount = num('growth-thread-roots', 1);
  const held = clientsG.map(() => []);
  const holding = clientsG.map(() => new Set());
  let head = 0;
  const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];

  /** One operation of the mix: its request, or null when there is nothing to act on yet (early in the warm-up). */
  function operation(kind, ci, tag, measured) {
    const c = clientsG[ci];
    const sentAt = performance.now();
    if (kind === 'send' || (kind === 'reply' && roots.length)) {
      const reply = kind === 'reply';
      const prefix = measured ? (reply ? 'R' : 'G') : 'W';
      const body = { conversationId: room, clientMsgId: `${tag}`, text: `${prefix}~${tag}~${sentAt.toFixed(3)}~${'x'.repeat(60)}` };
      if (reply) body.threadOf = pick(roots).id;
      if (measured) expected += roomSize;
      return c.request('parley.delivery.send', body).then((m) => {
        head = Math.max(head, m.seq);
        const entry = { id: m.id, seq: m.seq, threadSeq: m.threadSeq };
        recent.push(entry);
        if (recent.length > 50) recent.shift();
        own[ci].push(entry);
        if (own[ci].length > 20) own[ci].shift();
        if (!reply && roots.length < rootCount) roots.push({ id: m.id, replies: 0 });
        if (reply) roots.find((r) => r.id === m.threadOf).replies++;
      }, (err) => {
        if (measured) expected -= roomSize;
        throw err;
      });
    }
    if (kind === 'edit' && own[ci].length) {
      return c.request('parley.delivery.edit', { messageId: pick(own[ci]).id, text: `edited ~${tag}~ ${'e'.repeat(60)}`, clientChangeId: `e-${tag}` });
    }
    if (kind === 'react' && recent.length) {
      for (let tries = 0; tries < 10; tries++) {
        const messageId = pick(recent).id;
        const emoji = pick(EMOJIS);
        const key = `${messageId}|${emoji}`;
        if (holding[ci].has(key)) continue;
        holding[ci].add(key);
        return c.request('parley.delivery.react', { messageId, emoji })
          .then(() => held[ci].push({ messageId, emoji }), (err) => { holding[ci].delete(key); throw err; });
      }
      return null;
    }
    if (kind === 'unreact' && held[ci].length) {
      const { messageId, emoji } = held[ci].shift();
      return c.request('parley.delivery.unreact', { messageId, emoji }).then(() => holding[ci].delete(`${messageId}|${emoji}`));
    }
    return null;
  }

  /** The mix at `rate` operations/s for `ms` (open loop: operations do not wait for earlier answers). */
  async function offer(phase, ms, measured) {
    const t0 = performance.now();
    let n = 0;
    const inflight = [];
    while (performance.now() - t0 < ms) {
      const due = Math.floor(((performance.now() - t0) * rate) / 1000);
      while (n < due) {
        const kind = pattern[n % pattern.length];
        // the client shifts by one every round of the pattern, so each client does every kind in turn
        const ci = (n + Math.floor(n / pattern.length)) % clientsG.length;
        const k = kinds[kind];
        const t = performance.now();
        const req = operation(kind, ci, `${phase}-${n}`, measured);
        n++;
        if (!req) {
          if (measured) k.skipped++;
          continue;
        }
        if (!measured) {
          inflight.push(req.catch(() => null));
          continue;
        }
        k.n++;
        inflight.push(req.then(() => hist.record(k.ack, (performance.now() - t) * 1000), (err) => {
          k.errors++;
          k.errorCodes[err.code] = (k.errorCodes[err.code] || 0) + 1;
        }));
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(inflight);
    return n;
  }

  // warm-up in the same room with the same mix (JIT, caches; roots, messages to edit, reactions to take off), not measured
  const warmupOps = await offer('w', num('warmup-seconds', 10) * 1000, false);
  const cpu0 = proc.sample(pids);
  const ops = await offer('g', seconds * 1000, true);
  const drainUntil = Date.now() + 15000;
  while (delivered < expected && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  const cpu1 = proc.sample(pids);
  // reads, one after another: history (newest 50), the busiest thread (newest 50), a sync 50 messages and 50 changes back
  const history = await sequential(clientsG, histories, 'parley.delivery.history', { conversationId: room, limit: 50 });
  const root = roots.reduce((a, b) => (b.replies > a.replies ? b : a), roots[0]);
  const thread = await sequential(clientsG, histories, 'parley.delivery.thread', { messageId: root.id, limit: 50 });
  let changeHead = 0;
  for (let more = true; more;) {
    const answer = (await clientsG[0].request('parley.delivery.sync', { positions: { [room]: { seq: head, changeSeq: changeHead } } })).conversations[room];
    more = answer.changesHaveMore;
    changeHead = answer.changeSeq;
  }
  const syncFrom = { seq: Math.max(0, head - 50), changeSeq: Math.max(0, changeHead - 50) };
  const sync = await sequential(clientsG, histories, 'parley.delivery.sync', { positions: { [room]: syncFrom } });
  clientsG.forEach((c) => c.close());
  const directory = await directoryReads(base, users, dirUsers, num('directory-limit', 20), num('directory-reads', histories),
    num('directory-warmup', 50));
  const unindexedQueries = await scannedQueries(base);
  const summaries = Object.fromEntries(MIX_KINDS.map((k) => [k, { ...kinds[k], ack: hist.summary(kinds[k].ack) }]));
  const r = {
    label,
    mix: Object.fromEntries(MIX_KINDS.map((k, i) => [k, mixCounts[i]])),
    operations: ops,
    sends: kinds.send.n,
    sendErrors: kinds.send.errors,
    lost: expected - delivered,
    rate,
    seconds,
    ack: summaries.send.ack,
    kinds: summaries,
    delivery: hist.summary(delivery),
    history: history.latency,
    historyErrors: history.errors,
    thread: thread.latency,
    threadErrors: thread.errors,
    threadReplies: root.replies,
    sync: sync.latency,
    syncErrors: sync.errors,
    syncFrom,
    messagesInRoom: head,
    changesInRoom: changeHead,
    directory,
    directoryUsers,
    roomSize,
    directoryRegisterMs: registerMs,
    unindexedQueries,
    serverCpuUsPerOp: ops ? (cpu1.cpuUs - cpu0.cpuUs) / ops : null,
    warmupOps,
    storedMessages: Number(opt('stored', '0')),
    storedUsers: Number(opt('stored-users', '0')),
    storeBytes: Number(opt('store-bytes', '0')) || null,
    seededBy: opt('seeded-by', 'nothing'),
  };
  const p = (h) => `${h.p50}/${h.p99}`;
  log(`${label}: p50/p99 ms: ${MIX_KINDS.map((k) => `${k} ${p(summaries[k].ack)}`).join(', ')}, delivery ${p(r.delivery)}, history ${p(r.history)}, thread ${p(r.thread)}, sync ${p(r.sync)}, search ${p(directory.searchBroad.latency)} (narrow ${p(directory.searchNarrow.latency)}), by ids ${p(directory.byIds.latency)}, me ${p(directory.me.latency)}, rename ${p(directory.rename.latency)}; errors ${MIX_KINDS.map((k) => summaries[k].errors).join('/')}, reads ${history.errors}/${thread.errors}/${sync.errors}, directory ${['searchBroad', 'searchNarrow', 'byIds', 'me', 'rename'].map((k) => directory[k].errors).join('/')}, lost ${r.lost}`);
  for (const k of ['searchBroad', 'searchNarrow', 'byIds', 'me', 'rename']) directory[k].wrong.forEach((w) => log(`${label}: ${k}: ${w}`));
  return writeResult(r);
}

/** Seeds through the API for about `seconds`: many tenants, a room of 5 each, sends as fast as acked. */
/** Bytes of the files directly in a directory (the embedded store's file, its write log, …). */
function dirBytes(dir) {
  return fs.readdirSync(dir).reduce((sum, name) => {
    const stat = fs.statSync(path.join(dir, name));
    return stat.isFile() ? sum + stat.size : sum;
  }, 0);
}

async function growthSeedApi() {
  const base = urls[0];
  const seconds = num('seconds', 180);
  const tenants = num('seed-tenants', 50);
  const inFlight = num('seed-concurrency', 32);
  const rooms = [];
  for (let t = 0; t < tenants; t++) {
    const tenant = `seed${t}-${runId}`;
    const us = await rest.pool([0, 1, 2, 3, 4], 5, (i) => rest.userWithToken(base, tenant, `s${i}`));
    const room = await rest.createRoom(base, us[0], `seed-${t}`, us.slice(1).map((u) => u.username));
    const c = new ParleyClient(base, us[0], sourceAddress(t));
    await c.connect();
    rooms.push({ c, room });
  }
  log(`seed: ${rooms.length} tenants ready; sending for ${seconds} s`);
  const deadline = Date.now() + seconds * 1000;
  let sent = 0;
  let errors = 0;
  const acks = hist.create();
  const one = async (k) => {
    let i = 0;
    while (Date.now() < deadline) {
      const { c, room } = rooms[(k + i * inFlight) % rooms.length];
      i++;
      const t = process.hrtime.bigint();
      try {
        await c.request('parley.delivery.send', { conversationId: room, clientMsgId: `s-${k}-${i}`, text: `seed message ${k}-${i} ${'y'.repeat(70)}` });
        hist.record(acks, Number(process.hrtime.bigint() - t) / 1000);
        sent++;
      } catch (_) {
        errors++;
      }
    }
  };
  const storeDir = opt('store-dir', null);
  const b0 = storeDir ? dirBytes(storeDir) : null;
  const t0 = Date.now();
  const s0 = proc.sample(pids);
  await Promise.all(Array.from({ length: inFlight }, (_, k) => one(k)));
  const s1 = proc.sample(pids);
  rooms.forEach((r) => r.c.close());
  const ms = Date.now() - t0;
  // Past the store's next checkpoint, so the file holds what the write log held.
  if (storeDir) await new Promise((resolve) => setTimeout(resolve, 3000));
  const r = {
    label: opt('label', 'seed'), stored: sent, errors, tenants: rooms.length, inFlight, ms, perSecond: (sent * 1000) / ms,
    ack: hist.summary(acks), serverCpuUsPerSend: pids.length && sent ? (s1.cpuUs - s0.cpuUs) / sent : null,
    storeBytesPerMessage: storeDir && sent ? (dirBytes(storeDir) - b0) / sent : null,
  };
  log(`seed: ${sent} messages stored in ${rooms.length} tenants (${r.perSecond.toFixed(1)}/s, ack p50 ${r.ack.p50} p99 ${r.ack.p99} ms), ${errors} errors`);
  return writeResult(r);
}

// ---- main ---------------------------------------------------------------------------------------

const abuse = require('./abuse');
const presence = require('./presence');
const attachments = require('./attachments');
const ctx = { opt, num, list, log, writeResult, urls, pids, runId, sourceAddress, startWorkers, partition };
const scenarios = {
  fanout, idle, cluster: fanout, 'growth-measure': growthMeasure, 'growth-seed-api': growthSeedApi,
  'abuse-setup': () => abuse.setup(ctx), 'abuse-slow': () => abuse.slow(ctx), 'abuse-flood': () => abuse.flood(ctx),
  'presence-setup': () => presence.setup(ctx), 'presence-storm': () => presence.storm(ctx),
  attachments: () => attachments.run(ctx),
};
if (!scenarios[scenario]) {
  console.error(`usage: node bench.js ${Object.keys(scenarios).join('|')} [--options]`);
  process.exit(2);
}
const guard = setTimeout(() => {
  console.error(`[bench] time limit (${num('time-limit-seconds', 1800)} s) reached; stopping`);
  process.exit(3);
}, num('time-limit-seconds', 1800) * 1000);
guard.unref();
scenarios[scenario]()
  .then(() => process.exit(0))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
