'use strict';
// One load-generator process (forked by bench.js): holds a share of the clients, each a real WebSocket
// connection, and measures on the receiving side. Rooms are never split across workers, so every
// worker knows what each of its clients must receive.
//
// Parley: raw WebSocket on /eventbus/websocket speaking the event-bus bridge protocol (`ws`).
// Peer:   socket.io-client over its WebSocket transport.
//
// Message text: "B~<step>~<sender>~<n>~<sent at, ms since this process started>~<padding>" — the send
// timestamp travels in the text, so latency is measured where the message arrives.
const WebSocket = require('ws');
const hist = require('./lib/hist');

const PAD = 'x'.repeat(100);
/** Where the text starts in a JSON frame carrying a benchmark message (the text has no quotes). */
const MARK = '"text":"B~';
/** How the peer is spoken to: a lean Engine.IO/Socket.IO v4 client on `ws` (default), or socket.io-client. */
const PEER_CLIENT = process.env.BENCH_PEER_CLIENT || 'raw';
const TEXT_BYTES = Number(process.env.BENCH_TEXT_BYTES || 100);

let system = null;
/** All clients of this worker, by position. */
const clients = [];
/** Rooms of this worker: {key, members: [client]} */
const rooms = new Map();
let ioLib = null;

let step = null; // the step being measured, see newStep()
let other = 0; // frames that are neither deliveries nor acks (ready, read, member events …)
let closedUnexpectedly = 0;
const errorCodes = {};
/** Parley `presence` events on the clients' inboxes, by state (scripts/bench.sh presence). */
const presenceEvents = {};

function onPresence(c, s) {
  const m = /"state":"([a-z]+)"/.exec(s);
  const u = /"userId":"([^"]+)"/.exec(s);
  // a user's own connection hears its own change too (it is a member of the conversations it is announced in)
  const state = (m ? m[1] : '?') + (u && c.inbox.endsWith(`.${u[1]}`) ? ' (own)' : '');
  presenceEvents[state] = (presenceEvents[state] || 0) + 1;
}

function newStep(id) {
  return {
    id,
    sends: 0,
    acked: 0,
    errors: 0,
    expected: 0,
    delivered: 0,
    duplicates: 0,
    late: 0,
    pending: new Map(), // reply key → sent at (ms)
    sendLatency: hist.create(),
    ackLatency: hist.create(),
    lagMaxMs: 0,
  };
}

function countError(code) {
  errorCodes[code] = (errorCodes[code] || 0) + 1;
}

// ---- receiving ----------------------------------------------------------------------------------

function onDeliveredText(client, text) {
  const now = performance.now();
  if (typeof text !== 'string' || !text.startsWith('B~')) {
    other++;
    return;
  }
  const parts = text.split('~', 5);
  const s = Number(parts[1]);
  if (!step || s !== step.id) {
    if (step) step.late++;
    return;
  }
  const sender = Number(parts[2]);
  const n = Number(parts[3]);
  const sentAt = Number(parts[4]);
  let seen = client.recv.get(sender);
  if (!seen || seen.length <= n) {
    const grown = new Uint8Array(Math.max(64, (n + 1) * 2));
    if (seen) grown.set(seen);
    seen = grown;
    client.recv.set(sender, seen);
  }
  if (seen[n]) {
    step.duplicates++;
    return;
  }
  seen[n] = 1;
  step.delivered++;
  hist.record(step.sendLatency, (now - sentAt) * 1000);
}

function onAck(key, error) {
  if (!step) return;
  const sentAt = step.pending.get(key);
  if (sentAt === undefined) return; // an ack from an earlier step
  step.pending.delete(key);
  if (error) {
    step.errors++;
    step.expected -= Number(key.slice(key.lastIndexOf('.') + 1)); // the room size was added at send
    countError(error);
  } else {
    step.acked++;
    hist.record(step.ackLatency, (performance.now() - sentAt) * 1000);
  }
}

// ---- Parley -------------------------------------------------------------------------------------

function parleyConnect(c, url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/eventbus/websocket`, {
      localAddress: c.localAddress,
      perMessageDeflate: false,
      handshakeTimeout: 60000,
    });
    c.ws = ws;
    let ready = false;
    const timer = setTimeout(() => {
      if (!ready) {
        ws.terminate();
        reject(new Error('no ready within 60 s'));
      }
    }, 60000);
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'register', address: c.inbox, headers: { authorization: `Bearer ${c.token}` } }));
    });
    const ackPrefix = '{"type":"rec","address":"r.';
    const inboxPrefix = `{"type":"rec","address":"${c.inbox}"`;
    ws.on('message', (data) => {
      const s = data.toString();
      // Fast path (Vert.x keeps the key order of Frames.rec): acks and inbox events without JSON.parse.
      if (ready && s.startsWith(ackPrefix)) {
        onAck(s.slice(25, s.indexOf('"', 25)), null);
        return;
      }
      if (ready && s.startsWith(inboxPrefix)) {
        const at = s.indexOf(MARK);
        if (at >= 0 && s.indexOf('"type":"message"') >= 0) onDeliveredText(c, s.slice(at + 8, s.indexOf('"', at + 8)));
        else if (s.indexOf('"type":"presence"') >= 0) onPresence(c, s);
        else other++;
        return;
      }
      let frame;
      try {
        frame = JSON.parse(s);
      } catch (_) {
        other++;
        return;
      }
      const address = frame.address;
      if (frame.type === 'rec') {
        if (address === c.inbox) {
          const body = frame.body;
          if (body && body.type === 'message') {
            onDeliveredText(c, body.message && body.message.text);
          } else if (body && body.type === 'ready' && !ready) {
            ready = true;
            clearTimeout(timer);
            resolve();
          } else if (body && body.type === 'presence') {
            onPresence(c, s);
          } else {
            other++;
          }
        } else if (address && address.startsWith('r.')) {
          onAck(address, null);
        } else {
          other++;
        }
      } else if (frame.type === 'err') {
        if (address && address.startsWith('r.')) {
          onAck(address, String(frame.message || 'ERR').split(':')[0]);
        } else if (!ready) {
          clearTimeout(timer);
          reject(new Error(`register refused: ${frame.message || frame.body}`));
        } else {
          countError(String(frame.message || frame.body || 'ERR').split(':')[0]);
        }
      } else {
        other++;
      }
    });
    watchSocket(ws, c, () => ready, timer, reject, 'ready');
  });
}

/** Errors and closes of a client socket, the same for both systems: before it is ready they fail its connect. */
function watchSocket(ws, c, isReady, timer, reject, readyWord) {
  ws.on('error', (err) => {
    if (!isReady()) {
      clearTimeout(timer);
      reject(err);
    }
  });
  ws.on('close', (code) => {
    if (isReady() && !c.closing) {
      closedUnexpectedly++;
      countError(`CLOSED_${code}`);
    }
    if (!isReady()) {
      clearTimeout(timer);
      reject(new Error(`closed before ${readyWord} (${code})`));
    }
  });
}

function parleySend(c, key, text) {
  if (c.ws.readyState !== 1) return false;
  c.ws.send(
    `{"type":"send","address":"parley.delivery.send","replyAddress":"${key}",` +
      `"headers":{"authorization":"Bearer ${c.token}"},` +
      `"body":{"conversationId":"${c.room}","clientMsgId":"${key}","text":"${text}"}}`,
  );
  return true;
}

// ---- Socket.IO peer -----------------------------------------------------------------------------

function peerConnect(c, url) {
  if (!ioLib) ioLib = require('socket.io-client');
  return new Promise((resolve, reject) => {
    const socket = ioLib.io(url, {
      transports: ['websocket'],
      localAddress: c.localAddress,
      perMessageDeflate: false,
      reconnection: false,
      forceNew: true,
      timeout: 60000,
    });
    c.socket = socket;
    let ready = false;
    socket.on('connect', () => {
      socket.emit('join', [c.room], () => {
        ready = true;
        resolve();
      });
    });
    socket.on('message', (ev) => {
      if (ev && ev.type === 'message') onDeliveredText(c, ev.message && ev.message.text);
      else other++;
    });
    socket.on('connect_error', (err) => {
      if (!ready) reject(err);
    });
    socket.on('disconnect', (reason) => {
      if (ready && !c.closing) {
        closedUnexpectedly++;
        countError(`DISCONNECT_${reason}`);
      }
    });
  });
}

// The Socket.IO v4 wire protocol spoken directly on `ws`: Engine.IO open "0{…}", ping "2" → pong "3",
// namespace connect "40", events "42[…]", emits with an ack id "42<id>[…]" answered by "43<id>[…]".
// Same connections, same frames as socket.io-client, without its per-packet object churn.
function peerRawConnect(c, url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
      localAddress: c.localAddress,
      perMessageDeflate: false,
      handshakeTimeout: 60000,
    });
    c.ws = ws;
    c.acks = new Map();
    c.ackId = 1;
    let ready = false;
    const timer = setTimeout(() => {
      if (!ready) {
        ws.terminate();
        reject(new Error('not joined within 60 s'));
      }
    }, 60000);
    ws.on('message', (data) => {
      const s = data.toString();
      const t = s.charCodeAt(0);
      if (t === 52 /* 4: message */) {
        const k = s.charCodeAt(1);
        if (k === 50 /* 2: event */) {
          const at = s.indexOf(MARK);
          if (at >= 0) onDeliveredText(c, s.slice(at + 8, s.indexOf('"', at + 8)));
          else other++;
        } else if (k === 51 /* 3: ack */) {
          const open = s.indexOf('[');
          const id = Number(s.slice(2, open));
          if (id === 0) {
            if (!ready) {
              ready = true;
              clearTimeout(timer);
              resolve();
            }
            return;
          }
          const key = c.acks.get(id);
          if (key !== undefined) {
            c.acks.delete(id);
            onAck(key, s.includes('"error"') ? 'PEER_ERROR' : null);
          }
        } else if (k === 48 /* 0: namespace connected */) {
          ws.send(`420["join",["${c.room}"]]`);
        } else {
          other++;
        }
      } else if (t === 50 /* 2: ping */) {
        ws.send('3');
      } else if (t === 48 /* 0: open */) {
        ws.send('40');
      } else {
        other++;
      }
    });
    watchSocket(ws, c, () => ready, timer, reject, 'joining');
  });
}

function peerRawSend(c, key, text) {
  if (c.ws.readyState !== 1) return false;
  const id = c.ackId++;
  c.acks.set(id, key);
  c.ws.send(`42${id}["send",{"room":"${c.room}","clientMsgId":"${key}","text":"${text}"}]`);
  return true;
}

function peerSend(c, key, text) {
  if (!c.socket.connected) return false;
  c.socket.emit('send', { room: c.room, clientMsgId: key, text }, (res) => {
    onAck(key, res && res.error ? res.error : null);
  });
  return true;
}

// ---- commands -----------------------------------------------------------------------------------

async function connectAll(list, url, concurrency) {
  const connect = system === 'parley' ? parleyConnect : PEER_CLIENT === 'raw' ? peerRawConnect : peerConnect;
  const started = Date.now();
  let ok = 0;
  let failed = 0;
  const failures = {};
  let next = 0;
  const latency = hist.create(); // connect started → ready (Parley) / joined (peer)
  const one = async () => {
    while (next < list.length) {
      const spec = list[next++];
      const c = { ...spec, recv: new Map(), n: 0, closing: false };
      try {
        const t = performance.now();
        await connect(c, spec.url || url);
        hist.record(latency, (performance.now() - t) * 1000);
        clients.push(c);
        if (!rooms.has(c.room)) rooms.set(c.room, []);
        rooms.get(c.room).push(c);
        ok++;
      } catch (err) {
        failed++;
        const why = String(err && err.message ? err.message : err).slice(0, 120);
        failures[why] = (failures[why] || 0) + 1;
        if (c.ws) c.ws.terminate();
        if (c.socket) c.socket.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, one));
  return { ok, failed, failures, startedAt: started, endedAt: Date.now(), latency: hist.toJSON(latency) };
}

function isOpen(c) {
  return c.ws ? c.ws.readyState === 1 : c.socket.connected;
}

function padText(prefix) {
  return prefix.length >= TEXT_BYTES ? prefix : prefix + PAD.slice(0, TEXT_BYTES - prefix.length);
}

/** Sends at a fixed aggregate rate (round robin over this worker's clients), then drains. */
async function runStep({ id, sendsPerSec, durationMs, drainMs }) {
  step = newStep(id);
  for (const c of clients) c.recv = new Map();
  const send = system === 'parley' ? parleySend : PEER_CLIENT === 'raw' ? peerRawSend : peerSend;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let rr = 0;
  let counter = 0;
  const live = clients.filter((c) => isOpen(c));
  await new Promise((resolve) => {
    let lastTick = t0;
    const tick = () => {
      const now = performance.now();
      const lag = now - lastTick - 2;
      if (lag > step.lagMaxMs) step.lagMaxMs = lag;
      lastTick = now;
      const elapsed = Math.min(now - t0, durationMs);
      const due = Math.floor((sendsPerSec * elapsed) / 1000) - counter;
      for (let i = 0; i < due && live.length; i++) {
        const c = live[rr++ % live.length];
        const n = c.n++;
        const members = rooms.get(c.room).length;
        const key = `r.${id}.${c.idx}.${n}.${members}`;
        const text = padText(`B~${id}~${c.idx}~${n}~${performance.now().toFixed(3)}~`);
        counter++;
        if (send(c, key, text)) {
          step.sends++;
          step.expected += members;
          step.pending.set(key, performance.now());
        } else {
          countError('NOT_CONNECTED');
        }
      }
      if (now - t0 >= durationMs) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  const sendEnded = performance.now();
  // drain: until everything expected arrived and every send was answered, or drainMs passed
  await new Promise((resolve) => {
    const check = () => {
      const done = step.delivered >= step.expected && step.pending.size === 0;
      if (done || performance.now() - sendEnded >= drainMs) resolve();
      else setTimeout(check, 20);
    };
    check();
  });
  const drainEnded = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const s = step;
  const result = {
    id,
    sendMs: sendEnded - t0,
    drainMs: drainEnded - sendEnded,
    sends: s.sends,
    acked: s.acked,
    errors: s.errors,
    ackTimeouts: s.pending.size,
    expected: s.expected,
    delivered: s.delivered,
    lost: Math.max(0, s.expected - s.delivered),
    duplicates: s.duplicates,
    late: s.late,
    lagMaxMs: s.lagMaxMs,
    genCpuUs: cpu.user + cpu.system,
    genSysCpuUs: cpu.system,
    sendLatency: hist.toJSON(s.sendLatency),
    ackLatency: hist.toJSON(s.ackLatency),
  };
  // keep `step` so late arrivals of this step are not counted in the next one; the next step resets it
  return result;
}

/** Parley's server closes a connection silent for 60 s; socket.io answers its server's pings itself. */
setInterval(() => {
  if (system !== 'parley') return;
  for (const c of clients) if (c.ws && c.ws.readyState === 1) c.ws.send('{"type":"ping"}');
}, 20000).unref();

process.on('message', async (msg) => {
  try {
    if (msg.cmd === 'connect') {
      system = msg.system;
      const r = await connectAll(msg.clients, msg.url, msg.concurrency || 50);
      process.send({ ev: 'connected', ...r, total: clients.length });
    } else if (msg.cmd === 'step') {
      const r = await runStep(msg);
      process.send({ ev: 'stepDone', result: r });
    } else if (msg.cmd === 'stats') {
      const open = clients.filter((c) => isOpen(c)).length;
      process.send({ ev: 'stats', open, total: clients.length, closedUnexpectedly, other, errorCodes, presenceEvents, cpu: process.cpuUsage(), rssKb: process.memoryUsage().rss / 1024 });
    } else if (msg.cmd === 'disconnect') {
      // closes this worker's clients whose idx % msg.modulo is msg.remainder (all with modulo 1) and forgets them
      const mod = msg.modulo || 1;
      const going = clients.filter((c) => c.idx % mod === (msg.remainder || 0) % mod);
      for (const c of going) {
        c.closing = true;
        if (c.ws) c.ws.terminate();
        if (c.socket) c.socket.close();
      }
      const gone = new Set(going);
      const kept = clients.filter((c) => !gone.has(c));
      clients.length = 0;
      clients.push(...kept);
      for (const [room, members] of rooms) {
        const left = members.filter((c) => !gone.has(c));
        if (left.length) rooms.set(room, left);
        else rooms.delete(room);
      }
      process.send({ ev: 'disconnected', closed: going.length, left: clients.length });
    } else if (msg.cmd === 'close') {
      for (const c of clients) {
        c.closing = true;
        if (c.ws) c.ws.terminate();
        if (c.socket) c.socket.close();
      }
      process.send({ ev: 'closed' });
      setTimeout(() => process.exit(0), 100);
    }
  } catch (err) {
    process.send({ ev: 'error', message: String(err && err.stack ? err.stack : err) });
  }
});
process.on('disconnect', () => process.exit(0));
