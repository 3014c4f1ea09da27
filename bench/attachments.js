'use strict';
// scripts/bench.sh attachments (issue 11): what an attachment costs in Parley — a multipart upload whose
// type is decided from its bytes, hashed, (optionally scanned,) stored durably in GridFS on the embedded
// store, then read back by an authorized, streamed download — against the plainest thing that moves the
// same bytes over HTTP on this machine: nginx writing a PUT body to disk (WebDAV) and serving it back as a
// static file. One system after the other in one run; Parley ÷ nginx per measure.
//
//   node bench.js attachments --system parley|peer --url URL --pids PIDS --files DIR --out FILE
//     [--attachment-sizes-mb 1,20,100] [--attachment-count 20,5,2] [--attachment-concurrency 1] [--attachment-warmup 40]
//     after a warm-up (40 uploads and downloads of 1 MB, not measured), per size: the uploads (one after
//     the other), then a download of each; MB/s over the whole set,
//     latency p50/p99 per request, server CPU seconds per GB moved, the server's RSS at the end.
const fs = require('fs');
const http = require('http');
const path = require('path');
const hist = require('./lib/hist');
const proc = require('./lib/proc');
const rest = require('./lib/rest');

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const MB = 1024 * 1024;

/** A text file of `bytes` (Tika calls it text/plain, an allowed type), made once per size. */
async function fileOf(dir, mb) {
  const file = path.join(dir, `bench-${mb}mb.txt`);
  if (fs.existsSync(file) && fs.statSync(file).size === mb * MB) return file;
  fs.mkdirSync(dir, { recursive: true });
  const out = fs.createWriteStream(file);
  const line = Buffer.from(`${'attachment benchmark line '.repeat(3)}\n`);
  const block = Buffer.alloc(MB);
  for (let i = 0; i < MB; i += line.length) line.copy(block, i, 0, Math.min(line.length, MB - i));
  for (let i = 0; i < mb; i++) {
    if (!out.write(block)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  return file;
}

/** Sends the file as the body of `method` (Parley: multipart field `file`; nginx: the raw body). */
function send(url, method, headers, file, prefix, suffix) {
  const size = fs.statSync(file).size;
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method, agent, timeout: 600000,
      headers: { ...headers, 'content-length': prefix.length + size + suffix.length },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => (res.statusCode >= 300
        ? reject(new Error(`${method} ${url} → ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 200)}`))
        : resolve(Buffer.concat(chunks).toString())));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.write(prefix);
    const stream = fs.createReadStream(file, { highWaterMark: 256 * 1024 });
    stream.on('error', reject);
    stream.on('end', () => req.end(suffix));
    stream.pipe(req, { end: false });
  });
}

/** Reads the whole answer, counting bytes (not keeping them). */
function fetchBytes(url, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers, timeout: 600000 }, (res) => {
      let bytes = 0;
      res.on('data', (c) => { bytes += c.length; });
      res.on('end', () => (res.statusCode !== 200 ? reject(new Error(`GET ${url} → ${res.statusCode}`)) : resolve(bytes)));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

async function parleyTarget(base, runId) {
  const alice = await rest.userWithToken(base, `files-${runId}`, 'alice');
  const room = await rest.createRoom(base, alice, 'files', []);
  const auth = { authorization: `Bearer ${alice.token}` };
  const boundary = `----bench${runId}`;
  return {
    upload: async (file, i) => {
      const prefix = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f-${i}.txt"\r\n`
        + 'Content-Type: application/octet-stream\r\n\r\n');
      const answer = JSON.parse(await send(new URL(`/api/conversations/${room}/attachments`, base), 'POST',
        { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` }, file, prefix, Buffer.from(`\r\n--${boundary}--\r\n`)));
      return answer.attachmentId;
    },
    download: (id) => fetchBytes(new URL(`/api/attachments/${id}`, base), auth),
  };
}

function peerTarget(base, runId) {
  return {
    upload: async (file, i) => {
      const name = `${runId}-${i}-${path.basename(file)}`;
      await send(new URL(`/files/${name}`, base), 'PUT', { 'content-type': 'application/octet-stream' }, file, Buffer.alloc(0), Buffer.alloc(0));
      return name;
    },
    download: (name) => fetchBytes(new URL(`/files/${name}`, base), {}),
  };
}

async function measure(phase, items, concurrency, fn, pids, bytesEach) {
  const h = hist.create();
  const s0 = proc.sample(pids);
  const t0 = process.hrtime.bigint();
  const out = await rest.pool(items, concurrency, async (item, i) => {
    const t = process.hrtime.bigint();
    const r = await fn(item, i);
    hist.record(h, Number(process.hrtime.bigint() - t) / 1000);
    return r;
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const s1 = proc.sample(pids);
  const bytes = bytesEach * items.length;
  return {
    out,
    stats: {
      phase, n: items.length, seconds, mbPerSecond: bytes / MB / seconds, latency: hist.summary(h),
      cpuSecondsPerGb: pids.length ? ((s1.cpuUs - s0.cpuUs) / 1e6) / (bytes / (1024 * MB)) : null, rssMb: s1.rssKb / 1024,
    },
  };
}

async function run(ctx) {
  const { opt, num, list, log, writeResult, urls, pids, runId } = ctx;
  const system = opt('system', 'parley');
  const sizes = list('attachment-sizes-mb', '1,20,100').map(Number);
  const counts = list('attachment-count', '20,5,2').map(Number);
  const concurrency = num('attachment-concurrency', 1);
  const dir = opt('files', '/tmp/parley-bench-files');
  const target = system === 'peer' ? peerTarget(urls[0], runId) : await parleyTarget(urls[0], runId);
  // Warm-up, not measured: the JVM compiles the upload and download paths in the first few dozen requests.
  const warmFile = await fileOf(dir, 1);
  const warm = await rest.pool(Array.from({ length: num('attachment-warmup', 40) }, (_, i) => i), concurrency,
    (i) => target.upload(warmFile, `warm-${i}`));
  await rest.pool(warm, concurrency, (id) => target.download(id));
  log(`warm-up: ${warm.length} uploads and downloads of 1 MB`);
  const rows = [];
  for (let k = 0; k < sizes.length; k++) {
    const file = await fileOf(dir, sizes[k]);
    const items = Array.from({ length: counts[k] || 1 }, () => file);
    const up = await measure('upload', items, concurrency, (f, i) => target.upload(f, `${sizes[k]}-${i}`), pids, sizes[k] * MB);
    const down = await measure('download', up.out, concurrency, async (id) => {
      const bytes = await target.download(id);
      if (bytes !== sizes[k] * MB) throw new Error(`downloaded ${bytes} bytes of ${sizes[k] * MB}`);
    }, pids, sizes[k] * MB);
    for (const m of [up.stats, down.stats]) {
      rows.push({ sizeMb: sizes[k], ...m });
      log(`${sizes[k]} MB × ${m.n} ${m.phase}: ${m.mbPerSecond.toFixed(1)} MB/s, p50 ${m.latency.p50} ms p99 ${m.latency.p99} ms, `
        + `CPU ${m.cpuSecondsPerGb == null ? '—' : m.cpuSecondsPerGb.toFixed(1)} s/GB, RSS ${m.rssMb.toFixed(0)} MB`);
    }
  }
  return writeResult({ concurrency, rows });
}

module.exports = { run };
