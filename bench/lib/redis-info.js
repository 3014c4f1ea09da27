'use strict';
// INFO from a redis-server over a plain socket (RESP), without a client library: commandstats (calls per
// command, including those a Lua script made), memory and cpu, parsed into {section fields}.
const net = require('net');

function info(port, host = '127.0.0.1', sections = ['commandstats', 'memory', 'cpu']) {
  return new Promise((resolve, reject) => {
    const args = ['INFO', ...sections];
    const sock = net.connect(port, host);
    const chunks = [];
    const timer = setTimeout(() => sock.destroy(new Error('redis INFO timed out')), 10000);
    sock.on('connect', () => sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    sock.on('data', (d) => {
      chunks.push(d);
      const buf = Buffer.concat(chunks);
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      if (buf[0] !== 0x24 /* $ */) {
        clearTimeout(timer);
        sock.destroy();
        reject(new Error(`redis INFO: ${buf.toString().trim()}`));
        return;
      }
      const len = Number(buf.slice(1, nl).toString());
      if (buf.length < nl + 2 + len) return;
      clearTimeout(timer);
      sock.end();
      resolve(parse(buf.slice(nl + 2, nl + 2 + len).toString()));
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function parse(text) {
  const out = { commands: {}, fields: {} };
  for (const line of text.split('\r\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.indexOf(':');
    const key = line.slice(0, at);
    const value = line.slice(at + 1);
    if (key.startsWith('cmdstat_')) {
      const calls = /calls=(\d+)/.exec(value);
      const usec = /usec=(\d+)/.exec(value);
      out.commands[key.slice(8)] = { calls: calls ? Number(calls[1]) : 0, usec: usec ? Number(usec[1]) : 0 };
    } else {
      out.fields[key] = value;
    }
  }
  return out;
}

/** Calls and µs per command between two INFO answers, without the INFO calls themselves. */
function commandDelta(a, b) {
  const out = {};
  for (const [cmd, s] of Object.entries(b.commands)) {
    if (cmd === 'info') continue;
    const before = a.commands[cmd] || { calls: 0, usec: 0 };
    const calls = s.calls - before.calls;
    if (calls > 0) out[cmd] = { calls, usec: s.usec - before.usec };
  }
  return out;
}

module.exports = { info, commandDelta };
