'use strict';
// The abuse scenario (scripts/bench.sh abuse): what issue 8's protection is for, measured the same way
// on two builds of Parley. bench.js calls these with its helpers in `ctx`.
//
//   abuse-setup  users and rooms over REST, saved to --setup FILE (tokens included); the node is then
//                restarted on a copy of its store per part, with the build's shipped limits
//   abuse-slow   stalled SockJS-websocket clients (TCP reading paused, still pinging) and active clients
//                in one room while senders put BENCH_ABUSE_MESSAGES × BENCH_ABUSE_TEXT_BYTES into it
//   abuse-flood  one socket writes BENCH_ABUSE_FLOOD_FRAMES send frames at once; another user calls
//                parley.rooms.list every 50 ms throughout
const fs = require('fs');
const hist = require('./lib/hist');
const proc = require('./lib/proc');
const rest = require('./lib/rest');
const { ParleyClient } = require('./lib/parley-client');
const { SockJsClient } = require('./lib/sockjs-client');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function counts(list) {
  const out = {};
  for (const k of list) out[k] = (out[k] || 0) + 1;
  return out;
}

/**
 * Live heap after a full GC (jcmd GC.run, GC.heap_info) and RSS, of the node; with BENCH_ABUSE_HISTOGRAM=1
 * also the biggest classes of that heap (jcmd GC.class_histogram), to say what holds it.
 */
function memory(pid) {
  const heap = proc.jvmHeapAfterGc(pid);
  const m = { heapAfterGcKb: heap ? heap.usedKb : null, rssKb: proc.rssKb(pid) };
  if (process.env.BENCH_ABUSE_HISTOGRAM === '1') {
    try {
      m.histogram = require('child_process').execFileSync('jcmd', [String(pid), 'GC.class_histogram'], { timeout: 60000 })
        .toString().split('\n').slice(0, 23);
    } catch (_) { /* jcmd missing */ }
  }
  return m;
}

/** The node's own counters, where the build has them (absent before issue 8's metrics). */
async function metrics(base, names) {
  try {
    const text = await new Promise((resolve, reject) => {
      require('http').get(`${base}/metrics`, (res) => {
        let body = '';
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve(res.statusCode === 200 ? body : ''));
      }).on('error', reject);
    });
    const out = {};
    for (const name of names) {
      const m = new RegExp(`^${name}(\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
      out[name] = m ? Number(m[2]) : null;
    }
    return out;
  } catch (_) {
    return null;
  }
}

/** Samples the node every 250 ms: peak RSS, and the CPU it used per window. */
function watchNode(pid) {
  const w = { peakRssKb: 0, samples: [] };
  const tick = () => {
    try {
      const s = { at: Date.now(), cpuUs: proc.cpuUs(pid), rssKb: proc.rssKb(pid) };
      w.peakRssKb = Math.max(w.peakRssKb, s.rssKb);
      w.samples.push(s);
    } catch (_) { /* gone */ }
  };
  tick();
  w.timer = setInterval(tick, 250);
  w.stop = () => clearInterval(w.timer);
  return w;
}

/** Cores used from now until stop(): by the node, by this generator, and by everything else on the machine. */
function loadMeter(pid) {
  const at = Date.now();
  const machine = proc.machineBusyUs();
  const node = proc.cpuUs(pid);
  const gen = process.cpuUsage();
  return () => {
    const ms = Date.now() - at;
    const nodeUs = proc.cpuUs(pid) - node;
    const g = process.cpuUsage(gen);
    const genUs = g.user + g.system;
    const others = proc.machineBusyUs() - machine - nodeUs - genUs;
    return { nodeCores: nodeUs / 1000 / ms, genCores: genUs / 1000 / ms, othersCores: Math.max(0, others / 1000 / ms) };
  };
}

/** Waits until the node used at most `cores` over `windowMs` twice in a row; returns when that quiet began. */
async function waitIdle(pid, cores, windowMs, maxMs) {
  const until = Date.now() + maxMs;
  let quietSince = null;
  for (;;) {
    const a = { at: Date.now(), cpu: proc.cpuUs(pid) };
    await sleep(windowMs);
    const used = (proc.cpuUs(pid) - a.cpu) / 1000 / (Date.now() - a.at);
    if (used <= cores) {
      if (quietSince != null) return { quietSince, timedOut: false };
      quietSince = a.at;
    } else {
      quietSince = null;
    }
    if (Date.now() > until) return { quietSince: Date.now(), timedOut: true };
  }
}

// ---- setup --------------------------------------------------------------------------------------

async function setup(ctx) {
  const base = ctx.urls[0];
  const tenant = `abuse-${ctx.runId}`;
  const names = [
    ...Array.from({ length: ctx.num('abuse-stalled', 6) }, (_, i) => `stalled${i}`),
    ...Array.from({ length: ctx.num('abuse-active', 3) }, (_, i) => `active${i}`),
    ...Array.from({ length: ctx.num('abuse-senders', 20) }, (_, i) => `sender${i}`),
    'flooder', 'lister'];
  const t0 = Date.now();
  const list = await rest.pool(names, 4, (n) => rest.userWithToken(base, tenant, n));
  const users = Object.fromEntries(list.map((u) => [u.username, u]));
  const slowMembers = names.filter((n) => /^(stalled|active|sender)/.test(n));
  const rooms = {
    slow: await rest.createRoom(base, users[slowMembers[0]], 'abuse-slow', slowMembers.slice(1)),
    flood: await rest.createRoom(base, users.flooder, 'abuse-flood', []),
    lister: [],
  };
  for (let i = 0; i < 5; i++) rooms.lister.push(await rest.createRoom(base, users.lister, `lister-${i}`, []));
  fs.writeFileSync(ctx.opt('setup', 'abuse-setup.json'), JSON.stringify({ tenant, users, rooms }, null, 1));
  ctx.log(`setup: ${names.length} users, ${2 + rooms.lister.length} rooms in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return ctx.writeResult({ users: names.length, setupMs: Date.now() - t0 });
}

function loadSetup(ctx) {
  return JSON.parse(fs.readFileSync(ctx.opt('setup', 'abuse-setup.json'), 'utf8'));
}

// ---- slow consumers -----------------------------------------------------------------------------

async function slow(ctx) {
  const base = ctx.urls[0];
  const pid = ctx.pids[0];
  const { users, rooms } = loadSetup(ctx);
  const total = ctx.num('abuse-messages', 2000);
  const textBytes = ctx.num('abuse-text-bytes', 8192);
  const inFlight = ctx.num('abuse-sender-in-flight', 16);
  const byPrefix = (p) => Object.values(users).filter((u) => u.username.startsWith(p));
  const stalled = byPrefix('stalled').map((u, i) => new SockJsClient(base, u, ctx.sourceAddress(i)));
  const active = byPrefix('active').map((u, i) => new ParleyClient(base, u, ctx.sourceAddress(i)));
  const senders = byPrefix('sender').map((u, i) => new ParleyClient(base, u, ctx.sourceAddress(i)));
  await Promise.all(stalled.map((c) => c.connect()));
  await Promise.all(active.map((c) => c.connect()));
  await Promise.all(senders.map((c) => c.connect({ register: false })));

  const latency = hist.create();
  const received = active.map(() => new Set());
  active.forEach((c, i) => {
    c.onMessage = (m) => {
      const parts = String(m.text).split('~', 3);
      if (parts[0] !== 'S' || received[i].has(parts[1])) return;
      received[i].add(parts[1]);
      hist.record(latency, (performance.now() - Number(parts[2])) * 1000);
    };
  });

  await sleep(2000);
  const quiet = await proc.waitQuiet(ctx.num('quiet-cores', 0.3), ctx.num('quiet-wait-seconds', 120) * 1000, ctx.log);
  const before = memory(pid);
  ctx.log(`before: heap after GC ${(before.heapAfterGcKb / 1024).toFixed(1)} MB, RSS ${(before.rssKb / 1024).toFixed(0)} MB`);
  stalled.forEach((c) => c.pause());

  // The flood: every sender its share, `inFlight` at a time (within the shipped per-user burst and in-flight caps).
  const watch = watchNode(pid);
  const load = loadMeter(pid);
  const answers = [];
  const pad = 'x'.repeat(textBytes);
  const t0 = performance.now();
  await Promise.all(senders.map(async (c, s) => {
    const mine = Array.from({ length: total }, (_, n) => n).filter((n) => n % senders.length === s);
    let k = 0;
    const lane = async () => {
      while (k < mine.length) {
        const n = mine[k++];
        const head = `S~${n}~${performance.now().toFixed(3)}~`;
        try {
          await c.request('parley.delivery.send',
            { conversationId: rooms.slow, clientMsgId: `s-${n}`, text: head + pad.slice(head.length) }, 60000);
          answers.push('ack');
        } catch (err) {
          answers.push(err.code || 'ERR');
        }
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
  }));
  const sendMs = performance.now() - t0;
  const acked = answers.filter((a) => a === 'ack').length;
  const drainUntil = Date.now() + ctx.num('abuse-drain-seconds', 60) * 1000;
  while (received.some((r) => r.size < acked) && Date.now() < drainUntil) await sleep(100);
  await sleep(2000);
  watch.stop();
  const cores = load();
  const during = memory(pid);
  const shed = await metrics(base, ['parley_bridge_shed_total', 'parley_bridge_queued_bytes']);
  ctx.log(`flood sent in ${(sendMs / 1000).toFixed(1)} s: ${JSON.stringify(counts(answers))}; heap after GC ` +
    `${(during.heapAfterGcKb / 1024).toFixed(1)} MB, RSS ${(during.rssKb / 1024).toFixed(0)} MB (peak ${(watch.peakRssKb / 1024).toFixed(0)})`);

  // Resume the stalled clients: count what reaches each, until it is closed or nothing came for 5 s.
  stalled.forEach((c) => c.resume());
  const resumeUntil = Date.now() + ctx.num('abuse-resume-seconds', 120) * 1000;
  let last = -1;
  let stillSince = Date.now();
  while (Date.now() < resumeUntil) {
    const now = stalled.reduce((a, c) => a + c.messages, 0);
    if (now !== last) { last = now; stillSince = Date.now(); }
    if (stalled.every((c) => c.closed || c.messages >= acked) || Date.now() - stillSince > 5000) break;
    await sleep(100);
  }
  const stalledResult = stalled.map((c) => ({ messages: c.messages, close: c.closeSummary() }));
  stalled.forEach((c) => c.close());
  await sleep(1000);
  const after = memory(pid);
  [...active, ...senders].forEach((c) => c.close());
  const r = {
    build: ctx.opt('build', '?'),
    messages: total, textBytes, senders: senders.length, senderInFlight: inFlight,
    othersCoresBefore: quiet, loadAvg: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '), cores,
    answers: counts(answers), acked, sendMs,
    before, during, peakRssKb: watch.peakRssKb, afterResume: after, metrics: shed,
    stalled: stalledResult,
    stalledClosed: counts(stalledResult.filter((s) => s.close !== 'open').map((s) => s.close)),
    active: { clients: active.length, received: received.map((r) => r.size), latency: hist.summary(latency) },
    serverAlive: proc.alive(pid),
  };
  ctx.log(`stalled: ${stalledResult.map((s) => `${s.messages} (${s.close})`).join(', ')}; active p50 ${r.active.latency.p50} ` +
    `p99 ${r.active.latency.p99} max ${r.active.latency.max} ms; after resume heap ${(after.heapAfterGcKb / 1024).toFixed(1)} MB`);
  return ctx.writeResult(r);
}

// ---- flood --------------------------------------------------------------------------------------

async function flood(ctx) {
  const base = ctx.urls[0];
  const pid = ctx.pids[0];
  const { users, rooms } = loadSetup(ctx);
  const frames = ctx.num('abuse-flood-frames', 3000);
  const textBytes = ctx.num('abuse-flood-text-bytes', 8192);
  const flooder = new ParleyClient(base, users.flooder, ctx.sourceAddress(0));
  const lister = new ParleyClient(base, users.lister, ctx.sourceAddress(1));
  await flooder.connect({ register: false });
  await lister.connect({ register: false });
  for (let i = 0; i < 20; i++) await lister.request('parley.rooms.list', {}); // warm the path

  await sleep(2000);
  const quiet = await proc.waitQuiet(ctx.num('quiet-cores', 0.3), ctx.num('quiet-wait-seconds', 120) * 1000, ctx.log);
  const before = memory(pid);
  ctx.log(`before: heap after GC ${(before.heapAfterGcKb / 1024).toFixed(1)} MB, RSS ${(before.rssKb / 1024).toFixed(0)} MB`);

  // The other user: rooms.list every 50 ms (or right after the previous answer when that took longer).
  const phases = { quiet: hist.create(), flood: hist.create() };
  const listErrors = [];
  let phase = 'quiet';
  let listing = true;
  const listerDone = (async () => {
    while (listing) {
      const t = performance.now();
      try {
        await lister.request('parley.rooms.list', {}, 60000);
        hist.record(phases[phase], (performance.now() - t) * 1000);
      } catch (err) {
        listErrors.push(err.code || 'ERR');
      }
      await sleep(Math.max(0, 50 - (performance.now() - t)));
    }
  })();
  await sleep(ctx.num('abuse-quiet-seconds', 5) * 1000);

  // The flood: every frame written at once, as fast as the socket takes them.
  const watch = watchNode(pid);
  const load = loadMeter(pid);
  const cpu0 = proc.cpuUs(pid);
  phase = 'flood';
  const pad = 'y'.repeat(textBytes);
  const answers = [];
  let lastAnswerAt = 0;
  const t0 = performance.now();
  const pending = [];
  for (let n = 0; n < frames; n++) {
    pending.push(flooder.request('parley.delivery.send',
      { conversationId: rooms.flood, clientMsgId: `f-${n}`, text: `F~${n}~${pad}`.slice(0, textBytes) }, 180000)
      .then(() => 'ack', (err) => err.code || 'ERR')
      .then((a) => { answers.push(a); lastAnswerAt = performance.now(); }));
  }
  await new Promise((resolve) => flooder.ws.send('{"type":"ping"}', resolve)); // after every frame before it
  const writtenMs = performance.now() - t0;
  await Promise.all(pending);
  const lastAnswerMs = lastAnswerAt - t0;
  const cores = load();
  listing = false;
  await listerDone;
  const idle = await waitIdle(pid, ctx.num('abuse-idle-cores', 0.05), 1000, ctx.num('abuse-idle-max-seconds', 180) * 1000);
  watch.stop();
  const busyAfterMs = Math.max(0, idle.quietSince - (performance.timeOrigin + lastAnswerAt));
  const cpuUs = proc.cpuUs(pid) - cpu0;

  // What was stored: the flood room's history, paged from the start (on a new socket if the node closed the flooder's),
  // 50 at a time: a page of 200 such messages (1.7 MB) is over the shipped limits.client_queue_bytes, and the node
  // closes a connection with 4001 for one reply that big.
  const flooderClose = flooder.closeCode ?? null;
  const reader = flooderClose == null ? flooder : new ParleyClient(base, users.flooder, ctx.sourceAddress(0));
  if (reader !== flooder) await reader.connect({ register: false });
  let stored = 0;
  let after = 0;
  for (;;) {
    const page = await reader.request('parley.delivery.history', { conversationId: rooms.flood, after, limit: 50 }, 60000);
    stored += page.messages.length;
    if (!page.hasMore || !page.messages.length) break;
    after = page.messages[page.messages.length - 1].seq;
  }
  const afterMem = memory(pid);
  const meters = await metrics(base, ['parley_messages_stored_total']);
  [flooder, reader, lister].forEach((c) => c.close());
  const r = {
    build: ctx.opt('build', '?'),
    frames, textBytes,
    othersCoresBefore: quiet, loadAvg: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '), cores,
    writtenMs, lastAnswerMs, answers: counts(answers), stored, flooderClose,
    busyAfterLastAnswerMs: busyAfterMs, idleTimedOut: idle.timedOut, serverCpuSeconds: cpuUs / 1e6,
    before, peakRssKb: watch.peakRssKb, after: afterMem, metrics: meters,
    lister: { quiet: hist.summary(phases.quiet), flood: hist.summary(phases.flood), errors: counts(listErrors) },
    serverAlive: proc.alive(pid),
  };
  ctx.log(`flood: ${frames} frames written in ${writtenMs.toFixed(0)} ms, last answer at ${(lastAnswerMs / 1000).toFixed(1)} s: ` +
    `${JSON.stringify(r.answers)}; stored ${stored}; busy ${(busyAfterMs / 1000).toFixed(1)} s after; lister p50 ` +
    `${r.lister.flood.p50} p99 ${r.lister.flood.p99} ms (quiet p99 ${r.lister.quiet.p99}); RSS ` +
    `${(before.rssKb / 1024).toFixed(0)} → ${(afterMem.rssKb / 1024).toFixed(0)} MB (peak ${(watch.peakRssKb / 1024).toFixed(0)})`);
  return ctx.writeResult(r);
}

module.exports = { setup, slow, flood };
