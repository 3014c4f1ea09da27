#!/usr/bin/env node
'use strict';
// Turns bench.js result files into Markdown tables: Parley and the peer side by side, with ratios.
//   node report.js RESULT.json…      (the files of one scenario, any order; runs are paired in order)
const fs = require('fs');

const files = process.argv.slice(2);
const results = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
if (!results.length) {
  console.error('usage: node report.js RESULT.json…');
  process.exit(2);
}
const scenario = results[0].scenario;
const parley = results.filter((r) => r.system === 'parley');
const peer = results.filter((r) => r.system === 'peer');

const f0 = (v) => (v == null || Number.isNaN(v) ? '—' : Math.round(v).toLocaleString('en-US'));
const f1 = (v) => (v == null || Number.isNaN(v) ? '—' : v.toFixed(1));
const f2 = (v) => (v == null || Number.isNaN(v) ? '—' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const ratio = (a, b, digits = 2) => (a == null || b == null || !b ? '—' : `${(a / b).toFixed(digits)}×`);

function table(head, rows) {
  const out = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) out.push(`| ${r.join(' | ')} |`);
  return out.join('\n');
}

function runLabel(list, i, name) {
  return list.length > 1 ? `${name} run ${i + 1}` : name;
}

function kneeStep(r) {
  const ok = (r.steps || []).filter((s) => s.deliveriesPerSec === r.maxDeliveriesPerSecAtP99);
  return ok[0] || null;
}

function fanoutReport() {
  const lines = [];
  const pairs = Math.max(parley.length, peer.length);
  const head = ['', ...parley.map((_, i) => runLabel(parley, i, 'Parley')), ...peer.map((_, i) => runLabel(peer, i, 'peer')),
    ...Array.from({ length: pairs }, (_, i) => (pairs > 1 ? `Parley ÷ peer, run ${i + 1}` : 'Parley ÷ peer'))];
  const row = (name, get, fmt, ratioOf = get) => [name, ...parley.map((r) => fmt(get(r))), ...peer.map((r) => fmt(get(r))),
    ...Array.from({ length: pairs }, (_, i) => (parley[i] && peer[i] ? ratio(ratioOf(parley[i]), ratioOf(peer[i]), 3) : '—'))];
  lines.push(table(head, [
    row('max deliveries/s with p99 ≤ 100 ms, 0 lost', (r) => r.maxDeliveriesPerSecAtP99, f0),
    row('server CPU µs per delivery at that rate', (r) => kneeStep(r)?.serverCpuUsPerDelivery, f1),
    row('p50 / p99 / p99.9 at that rate (ms)', (r) => kneeStep(r)?.latency, (l) => (l ? `${f2(l.p50)} / ${f2(l.p99)} / ${f2(l.p999)}` : '—'), (r) => kneeStep(r)?.latency?.p99),
    row('generator CPU at that rate (cores)', (r) => kneeStep(r)?.genCpuCores, f2),
    row('connects/s (incl. registration / join)', (r) => r.connect?.perSecond, f0),
    row('server RSS after connecting (MB)', (r) => r.serverRssKb?.afterConnect / 1024, f0),
    row('stopped by', (r) => r.stoppedBy, (v) => v || '—', () => null),
  ]));
  // per offered load, the first run of each
  const p = parley[0];
  const q = peer[0];
  const offered = [...new Set([...(p?.steps || []), ...(q?.steps || [])].map((s) => s.offeredDeliveriesPerSec))].sort((a, b) => a - b);
  const cell = (s) => (s ? `${f0(s.deliveriesPerSec)} · ${f2(s.latency.p50)}/${f2(s.latency.p99)}/${f2(s.latency.p999)} · ${s.lost}/${s.duplicates}/${s.errors}/${s.ackTimeouts} · ${f1(s.serverCpuUsPerDelivery)} µs · gen ${f2(s.genCpuCores)} · others ${f2(s.othersCpuCores)}` : '—');
  const rows = offered.map((o) => {
    const a = p?.steps.find((s) => s.offeredDeliveriesPerSec === o);
    const b = q?.steps.find((s) => s.offeredDeliveriesPerSec === o);
    return [f0(o), cell(a), cell(b), a && b ? ratio(a.serverCpuUsPerDelivery, b.serverCpuUsPerDelivery, 1) : '—'];
  });
  lines.push('');
  lines.push('Per offered load (first run of each; cells: delivered/s · latency p50/p99/p99.9 ms · lost/dup/errors/ack-timeouts · server CPU per delivery · generator cores · other processes\' cores):');
  lines.push('');
  lines.push(table(['offered deliveries/s', 'Parley', 'peer', 'server CPU per delivery, Parley ÷ peer'], rows));
  return lines.join('\n');
}

function idleReport() {
  const lines = [];
  const levels = [...new Set([...parley, ...peer].flatMap((r) => r.levels.map((l) => l.target)))].sort((a, b) => a - b);
  const all = [...parley.map((r, i) => [runLabel(parley, i, 'Parley'), r]), ...peer.map((r, i) => [runLabel(peer, i, 'peer'), r])];
  const rows = [];
  for (const lvl of levels) {
    for (const [name, r] of all) {
      const l = r.levels.find((x) => x.target === lvl);
      if (!l) {
        rows.push([f0(lvl), name, 'not tried', '', '', '', '', '']);
        continue;
      }
      rows.push([f0(lvl), name, f0(l.open), f0(l.connect.perSecond), f0(l.serverRssKb / 1024), f1(l.rssKbPerConnection),
        l.heapKbPerConnection == null ? '—' : `${f1(l.heapUsedKb / 1024)} MB → ${f1(l.heapKbPerConnection)}`,
        `${l.connect.failed} failed, ${l.closedUnexpectedly} closed` + (Object.keys(l.connect.failures || {}).length ? ` (${Object.keys(l.connect.failures)[0]})` : '')]);
    }
  }
  lines.push(table(['connections', 'system', 'open', 'connects/s', 'server RSS MB', 'RSS KB per connection', 'live heap after GC → KB per connection', 'errors'], rows));
  lines.push('');
  const best = (r) => r.maxConnections;
  const kb = (r) => { const ok = r.levels.filter((l) => l.open >= l.target); return ok.length ? ok[ok.length - 1].rssKbPerConnection : null; };
  const pairs = Math.min(parley.length, peer.length);
  const summary = [];
  for (let i = 0; i < pairs; i++) {
    summary.push([`run ${i + 1}`, f0(best(parley[i])), f0(best(peer[i])), f1(kb(parley[i])), f1(kb(peer[i])), ratio(kb(parley[i]), kb(peer[i]), 1)]);
  }
  lines.push(table(['', 'Parley max connections', 'peer max connections', 'Parley RSS KB/conn at its max', 'peer RSS KB/conn at its max', 'Parley ÷ peer'], summary));
  return lines.join('\n');
}

function growthReport() {
  const measured = results.filter((r) => r.scenario === 'growth-measure');
  const cpu = (r) => r.serverCpuUsPerOp ?? r.serverCpuUsPerSend; // results before the mix measured sends only
  const rows = measured.map((r) => [
    r.label, f0(r.storedMessages), r.seededBy, `${f2(r.ack.p50)} / ${f2(r.ack.p99)}`, `${f2(r.delivery.p50)} / ${f2(r.delivery.p99)}`,
    `${f2(r.history.p50)} / ${f2(r.history.p99)}`, `${r.sendErrors}/${r.lost}/${r.historyErrors}`, f0(cpu(r)),
    r.storeBytes ? `${f0(r.storeBytes / 1e6)} MB${r.storedMessages ? ` (${f1(r.storeBytes / r.storedMessages / 1024)} KB per message)` : ''}` : '—']);
  const empty = results.find((r) => r.label === 'empty');
  const seeded = results.find((r) => r.label === 'seeded');
  const lines = [table(['store', 'stored messages', 'seeded by', 'send→ack p50 / p99 ms', 'send→delivery p50 / p99 ms', 'history (newest 50) p50 / p99 ms',
    'send errors/lost/history errors', `server CPU µs per ${measured.some((r) => r.kinds) ? 'operation' : 'send'}`, 'store on disk'], rows)];
  if (empty && seeded) {
    lines.push('');
    lines.push(`Seeded ÷ empty: send p99 ${ratio(seeded.ack.p99, empty.ack.p99)}, delivery p99 ${ratio(seeded.delivery.p99, empty.delivery.p99)}, history p99 ${ratio(seeded.history.p99, empty.history.p99)} (target ≤ 1.5×). Both measured after ${empty.warmupOps ?? empty.warmupSends} warm-up operations in the measured room.`);
  }
  if (empty?.kinds && seeded?.kinds) {
    const mix = Object.entries(seeded.mix).map(([k, v]) => `${v} ${k}`).join(', ');
    lines.push('');
    lines.push(`Per kind, empty vs seeded (mix of each ${Object.values(seeded.mix).reduce((a, b) => a + b, 0)} operations: ${mix}; ${seeded.rate} operations/s for ${seeded.seconds} s; reads ${seeded.history.n} each, one after another; sync from ${seeded.syncFrom.seq} / ${seeded.syncFrom.changeSeq} of ${seeded.messagesInRoom} messages / ${seeded.changesInRoom} changes):`);
    lines.push('');
    const errors = (k) => `${k.errors}${Object.keys(k.errorCodes || {}).length ? ` (${Object.entries(k.errorCodes).map(([c, n]) => `${n} ${c}`).join(', ')})` : ''}`;
    const kindRows = [
      ['send → ack', (r) => r.kinds.send.ack, (r) => errors(r.kinds.send)],
      ['send → delivery (message events)', (r) => r.delivery, (r) => `${r.lost} lost`],
      ['thread reply → ack', (r) => r.kinds.reply.ack, (r) => errors(r.kinds.reply)],
      ['edit → ack', (r) => r.kinds.edit.ack, (r) => errors(r.kinds.edit)],
      ['reaction added → ack', (r) => r.kinds.react.ack, (r) => errors(r.kinds.react)],
      ['reaction taken off → ack', (r) => r.kinds.unreact.ack, (r) => errors(r.kinds.unreact)],
      ['history (newest 50)', (r) => r.history, (r) => r.historyErrors],
      ['thread page (newest 50)', (r) => r.thread, (r) => r.threadErrors],
      ['sync with changes (50 messages, 50 changes back)', (r) => r.sync, (r) => r.syncErrors],
      ...(empty.directory && seeded.directory ? [
        [`directory search, prefix matching ≥ 100 (limit ${seeded.directory.limit})`, (r) => r.directory.searchBroad.latency, (r) => r.directory.searchBroad.errors],
        ['directory search, prefix matching 0–10', (r) => r.directory.searchNarrow.latency, (r) => r.directory.searchNarrow.errors],
        ['users by ids (100 ids)', (r) => r.directory.byIds.latency, (r) => r.directory.byIds.errors],
        ['profile (GET /api/me)', (r) => r.directory.me.latency, (r) => r.directory.me.errors],
        ['display name change (PUT /api/me)', (r) => r.directory.rename.latency, (r) => r.directory.rename.errors],
      ] : []),
    ].map(([name, get, err]) => [name, `${f0(get(empty).n)} / ${f0(get(seeded).n)}`, `${f2(get(empty).p50)} / ${f2(get(empty).p99)}`,
      `${f2(get(seeded).p50)} / ${f2(get(seeded).p99)}`, ratio(get(seeded).p99, get(empty).p99), `${err(empty)} / ${err(seeded)}`]);
    lines.push(table(['', 'samples empty / seeded', 'empty p50 / p99 ms', 'seeded p50 / p99 ms', 'seeded ÷ empty p99', 'errors empty / seeded'], kindRows));
    if (empty.directory && seeded.directory) {
      const d = seeded.directory;
      const qs = (xs, ms) => xs.map((q, i) => `"${q}" (${ms[i]})`).join(', ');
      lines.push('');
      lines.push(`Directory: the measured tenant has ${f0(seeded.directoryUsers)} users named m0000… / "Member 0000"… besides the room's ${seeded.roomSize} (registered in ${f1(empty.directoryRegisterMs / 1000)} s on the empty store, ${f1(seeded.directoryRegisterMs / 1000)} s on the seeded one); the seeded store has ${f0(seeded.storedUsers)} more users in its seeded tenants, the same names in each. Searches cycle over prefixes (matches): ${qs(d.prefixes.broad, d.prefixes.matchesBroad)}; ${qs(d.prefixes.narrow, d.prefixes.matchesNarrow)}. Each kind after ${d.warmup} unmeasured requests of it; an answer with the wrong number of users counts as an error. Seeded ÷ empty p99: search ${ratio(d.searchBroad.latency.p99, empty.directory.searchBroad.latency.p99)} (narrow ${ratio(d.searchNarrow.latency.p99, empty.directory.searchNarrow.latency.p99)}), by ids ${ratio(d.byIds.latency.p99, empty.directory.byIds.latency.p99)}; p50: search ${ratio(d.searchBroad.latency.p50, empty.directory.searchBroad.latency.p50)}, by ids ${ratio(d.byIds.latency.p50, empty.directory.byIds.latency.p50)}.`);
    }
    lines.push('');
    lines.push(`Queries the store answered by scanning a collection (parley_store_unindexed_queries_total, since the node started): empty ${f0(empty.unindexedQueries)}, seeded ${f0(seeded.unindexedQueries)}.`);
  }
  return lines.join('\n');
}

function sendsReport() {
  const rows = results.filter((r) => r.scenario === 'growth-seed-api').map((r) => [
    r.label, `${f0(r.ms / 1000)} s`, f0(r.inFlight), f0(r.stored), f0(r.perSecond), `${f2(r.ack.p50)} / ${f2(r.ack.p99)} / ${f2(r.ack.p999)}`,
    f0(r.errors), r.serverCpuUsPerSend == null ? '—' : f0(r.serverCpuUsPerSend),
    r.storeBytesPerMessage == null ? '—' : `${f0(r.storeBytesPerMessage)} B`]);
  return table(['phase', 'sending for', 'sends in flight', 'acked sends', 'acked sends/s', 'ack p50 / p99 / p99.9 ms', 'errors',
    'server CPU µs per send', 'store on disk per message'], rows);
}

/** scripts/bench.sh abuse: per part, the build before issue 8 and this one side by side, run by run. */
function abuseReport() {
  const mb = (kb) => (kb == null ? null : kb / 1024);
  const runsOf = (part) => {
    const mine = results.filter((r) => r.scenario === `abuse-${part}`);
    const b = mine.filter((r) => r.build === 'before');
    const n = mine.filter((r) => r.build === 'now');
    return Array.from({ length: Math.max(b.length, n.length) }, (_, i) => [b[i], n[i]]);
  };
  const answers = (a) => (a ? Object.entries(a).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${f0(v)} ${k}`).join(', ') : '—');
  const lat = (l) => (l && l.n ? `${f2(l.p50)} / ${f2(l.p99)} / ${f2(l.max)}` : '—');
  const span = (xs) => (xs.length ? (Math.min(...xs) === Math.max(...xs) ? f0(xs[0]) : `${f0(Math.min(...xs))}–${f0(Math.max(...xs))}`) : '—');
  const part = (name, title, rows) => {
    const pairs = runsOf(name);
    if (!pairs.length) return '';
    const head = [title, ...pairs.flatMap((_, i) => {
      const run = pairs.length > 1 ? ` run ${i + 1}` : '';
      return [`before${run}`, `now${run}`, `now ÷ before${run}`];
    })];
    const body = rows.map(([label, show, num]) => [label, ...pairs.flatMap(([b, n]) => [
      b ? show(b) : '—', n ? show(n) : '—', num && b && n ? ratio(num(n), num(b)) : ''])]);
    return table(head, body);
  };
  const slow = part('slow', 'slow consumers', [
    ['live heap after GC, before (MB)', (r) => f1(mb(r.before.heapAfterGcKb)), (r) => r.before.heapAfterGcKb],
    ['live heap after GC, flood delivered, stalled clients still not reading (MB)', (r) => f1(mb(r.during.heapAfterGcKb)), (r) => r.during.heapAfterGcKb],
    ['  growth (MB)', (r) => f1(mb(r.during.heapAfterGcKb - r.before.heapAfterGcKb)), (r) => r.during.heapAfterGcKb - r.before.heapAfterGcKb],
    ['live heap after GC, after they resumed (MB)', (r) => f1(mb(r.afterResume.heapAfterGcKb)), (r) => r.afterResume.heapAfterGcKb],
    ['RSS before → flood delivered (peak) (MB)', (r) => `${f0(mb(r.before.rssKb))} → ${f0(mb(r.during.rssKb))} (${f0(mb(r.peakRssKb))})`, (r) => r.during.rssKb],
    ['stalled clients closed (by code)', (r) => `${r.stalled.filter((s) => s.close !== 'open').length} of ${r.stalled.length}` +
      (Object.keys(r.stalledClosed).length ? ` (${answers(r.stalledClosed)})` : ''), null],
    ['messages each stalled client received on resuming', (r) => span(r.stalled.map((s) => s.messages)), (r) => Math.max(...r.stalled.map((s) => s.messages))],
    ['sends answered (senders × in flight)', (r) => `${answers(r.answers)} (${r.senders} × ${r.senderInFlight})`, null],
    ['sending took (s)', (r) => f1(r.sendMs / 1000), (r) => r.sendMs],
    ['active clients: messages received', (r) => span(r.active.received), null],
    ['active clients: delivery p50 / p99 / max (ms)', (r) => lat(r.active.latency), (r) => r.active.latency.p99],
    ['cores used meanwhile: node / generator / other processes', (r) => (r.cores ? `${f2(r.cores.nodeCores)} / ${f2(r.cores.genCores)} / ${f2(r.cores.othersCores)}` : '—'), null],
    ['others\' cores just before, load average after', (r) => `${f2(r.othersCoresBefore)}, ${r.loadAvg}`, null],
  ]);
  const flood = part('flood', 'flood', [
    ['frames written (ms)', (r) => `${f0(r.frames)} in ${f0(r.writtenMs)}`, null],
    ['answers', (r) => answers(r.answers) + (r.flooderClose != null ? `; the node closed the flooding socket (${r.flooderClose})` : ''), null],
    ['acks', (r) => f0(r.answers.ack || 0), (r) => r.answers.ack || 0],
    ['last answer after (s)', (r) => f1(r.lastAnswerMs / 1000), (r) => r.lastAnswerMs],
    ['stored', (r) => f0(r.stored), (r) => r.stored],
    ['node busy after its last answer (s)', (r) => `${f1(r.busyAfterLastAnswerMs / 1000)}${r.idleTimedOut ? ' (still busy)' : ''}`, (r) => r.busyAfterLastAnswerMs],
    ['node CPU from the flood until idle (s)', (r) => f1(r.serverCpuSeconds), (r) => r.serverCpuSeconds],
    ['RSS before → after (peak) (MB)', (r) => `${f0(mb(r.before.rssKb))} → ${f0(mb(r.after.rssKb))} (${f0(mb(r.peakRssKb))})`, (r) => r.peakRssKb],
    ['live heap after GC, before → after (MB)', (r) => `${f1(mb(r.before.heapAfterGcKb))} → ${f1(mb(r.after.heapAfterGcKb))}`, (r) => r.after.heapAfterGcKb],
    ['other user\'s rooms.list during the flood p50 / p99 / max (ms)', (r) => lat(r.lister.flood), (r) => r.lister.flood.p99],
    ['  same, 5 s before the flood', (r) => lat(r.lister.quiet), (r) => r.lister.quiet.p99],
    ['  rooms.list calls during the flood (errors)', (r) => `${f0(r.lister.flood.n)} (${answers(r.lister.errors) || 0})`, null],
    ['cores used meanwhile: node / generator / other processes', (r) => (r.cores ? `${f2(r.cores.nodeCores)} / ${f2(r.cores.genCores)} / ${f2(r.cores.othersCores)}` : '—'), null],
    ['others\' cores just before, load average after', (r) => `${f2(r.othersCoresBefore)}, ${r.loadAvg}`, null],
  ]);
  return [slow, flood].filter(Boolean).join('\n\n');
}

/** scripts/bench.sh presence: the connect storm with presence off and on, run by run, with on ÷ off. */
function presenceReport() {
  const storms = results.filter((r) => r.scenario === 'presence-storm');
  const off = storms.filter((r) => r.label === 'off');
  const on = storms.filter((r) => r.label === 'on');
  const pairs = Array.from({ length: Math.max(off.length, on.length) }, (_, i) => [off[i], on[i]]);
  const mb = (kb) => (kb == null ? null : kb / 1024);
  const ev = (p) => (p.presenceEventCount ? Object.entries(p.presenceEvents).filter(([, v]) => v).map(([k, v]) => `${f0(v)} ${k}`).join(', ') : '0');
  const rows = [
    ['registered (failed)', (r) => `${f0(r.connect.ok)} (${r.connect.failed})`, null],
    ['connect rate (registered/s)', (r) => f0(r.connect.perSecond), (r) => r.connect.perSecond],
    ['register latency p50 / p99 (ms)', (r) => `${f2(r.connect.latency.p50)} / ${f2(r.connect.latency.p99)}`, (r) => r.connect.latency.p99],
    ['node CPU per connect (ms)', (r) => f2(r.connect.nodeCpuMsPer), (r) => r.connect.nodeCpuMsPer],
    ['redis-server CPU per connect (ms)', (r) => f2(r.connect.redisCpuMsPer), (r) => r.connect.redisCpuMsPer],
    ['Redis commands per connect: all (EVALSHA / PUBLISH)', (r) => `${f1(r.connect.redisCallsPer)} (${f2(r.connect.evalshaPer)} / ${f2(r.connect.publishPer)})`, (r) => r.connect.redisCallsPer],
    ['presence events received in the storm (per connect)', (r) => `${ev(r.connect)} (${f1(r.connect.presenceEventCount / r.connect.ok)})`, null],
    ['storm + settle (s); node / redis / others cores', (r) => `${f1(r.connect.ms / 1000)} + ${f1(r.connect.settleMs / 1000)}; ${f2(r.connect.nodeCores)} / ${f2(r.connect.redisCores)} / ${f2(r.connect.othersCores)}`, null],
    ['node RSS after the storm (MB); redis used memory (MB)', (r) => `${f0(mb(r.connect.nodeRssKb))}; ${f1(r.connect.redisUsedMemory / 1048576)}`, (r) => r.connect.nodeRssKb],
    ['all connected, idle: node / redis cores; Redis commands/s', (r) => `${f2(r.hold.nodeCores)} / ${f2(r.hold.redisCores)}; ${f0((r.hold.redisCalls * 1000) / r.hold.ms)}`, (r) => r.hold.nodeCores],
    ['node CPU per disconnect (ms)', (r) => f2(r.disconnect.nodeCpuMsPer), (r) => r.disconnect.nodeCpuMsPer],
    ['Redis commands per disconnect: all (EVALSHA / PUBLISH)', (r) => `${f1(r.disconnect.redisCallsPer)} (${f2(r.disconnect.evalshaPer)} / ${f2(r.disconnect.publishPer)})`, (r) => r.disconnect.redisCallsPer],
    ['presence events heard by the even half as the odd half left', (r) => ev(r.disconnectHalf), null],
    ['node log: presence write failure streaks (first reason)', (r) => (r.presenceFailureStreaks == null ? '—'
      : `${r.presenceFailureStreaks}${r.presenceFailure ? ` (${r.presenceFailure})` : ''}`), null],
    ['others\' cores before; load average after', (r) => `${f2(r.othersCoresBefore)}; ${r.loadAvg}`, null],
  ];
  const head = ['connect storm', ...pairs.flatMap((_, i) => {
    const run = pairs.length > 1 ? ` run ${i + 1}` : '';
    return [`off${run}`, `on${run}`, `on ÷ off${run}`];
  })];
  const body = rows.map(([name, show, val]) => [name, ...pairs.flatMap(([a, b]) => [
    a ? show(a) : '—', b ? show(b) : '—', val && a && b ? ratio(val(b), val(a)) : ''])]);
  const lines = [table(head, body)];
  const top = (r) => Object.entries(r.connect.redisCommands).sort((x, y) => y[1].calls - x[1].calls).slice(0, 8)
    .map(([k, v]) => `${k} ${f2(v.calls / r.connect.ok)}`).join(', ');
  lines.push('');
  lines.push(`Redis commands per connect by name, run 1 (commands a Lua script makes count too): off: ${off[0] ? top(off[0]) : '—'}; on: ${on[0] ? top(on[0]) : '—'}.`);
  return lines.join('\n');
}

/** scripts/bench.sh attachments: per size and direction, Parley and nginx side by side, Parley ÷ nginx. */
function attachmentsReport() {
  const lines = [];
  parley.forEach((p, i) => {
    const n = peer[i];
    if (parley.length > 1) lines.push(`\n**run ${i + 1}**\n`);
    const rows = p.rows.map((r, k) => {
      const q = n ? n.rows[k] : null;
      return [`${r.sizeMb} MB × ${r.n} ${r.phase}`,
        `${f1(r.mbPerSecond)} / ${q ? f1(q.mbPerSecond) : '—'}`, q ? ratio(r.mbPerSecond, q.mbPerSecond) : '—',
        `${f2(r.latency.p50)} / ${q ? f2(q.latency.p50) : '—'}`, `${f2(r.latency.p99)} / ${q ? f2(q.latency.p99) : '—'}`,
        `${f1(r.cpuSecondsPerGb)} / ${q ? f1(q.cpuSecondsPerGb) : '—'}`, q ? ratio(r.cpuSecondsPerGb, q.cpuSecondsPerGb) : '—',
        `${f0(r.rssMb)} / ${q ? f0(q.rssMb) : '—'}`];
    });
    lines.push(table(['files', 'MB/s Parley / nginx', 'MB/s ratio', 'p50 ms', 'p99 ms', 'server CPU s per GB', 'CPU ratio',
      'server RSS MB'], rows));
  });
  return lines.join('\n');
}

const out = scenario === 'attachments' ? attachmentsReport() : scenario === 'presence-storm' ? presenceReport() : scenario === 'idle' ? idleReport() : scenario === 'growth-seed-api' ? sendsReport()
  : scenario.startsWith('abuse') ? abuseReport()
  : scenario.startsWith('growth') ? growthReport() : fanoutReport();
console.log(out);
