'use strict';
// A small Parley bridge client over raw /eventbus/websocket for the growth and abuse scenarios: register,
// wait for ready, request/reply with timeouts, message events to onMessage. connect({ register: false })
// only opens the socket (a connection may send requests without registering an inbox); a refused
// request rejects with an Error whose `code` is the stable code (the message up to the first ':').
const WebSocket = require('ws');

class ParleyClient {
  constructor(base, user, localAddress) {
    this.url = `${base.replace(/^http/, 'ws')}/eventbus/websocket`;
    this.user = user;
    this.localAddress = localAddress;
    this.inbox = `parley.client.${user.tenant}.${user.userId}`;
    this.pending = new Map();
    this.next = 0;
    this.onMessage = () => {};
  }

  connect({ register = true } = {}) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { localAddress: this.localAddress, perMessageDeflate: false });
      this.ws = ws;
      let ready = false;
      ws.on('open', () => {
        if (register) ws.send(JSON.stringify({ type: 'register', address: this.inbox, headers: this.headers() }));
        else resolve();
        this.pinger = setInterval(() => ws.readyState === 1 && ws.send('{"type":"ping"}'), 20000);
      });
      ws.on('message', (data) => {
        const f = JSON.parse(data);
        if (f.address === this.inbox && f.type === 'rec') {
          if (f.body.type === 'ready' && !ready) {
            ready = true;
            resolve();
          } else if (f.body.type === 'message') {
            this.onMessage(f.body.message);
          }
        } else if (this.pending.has(f.address)) {
          const p = this.pending.get(f.address);
          this.pending.delete(f.address);
          clearTimeout(p.timer);
          if (f.type === 'rec') p.resolve(f.body);
          else {
            const err = new Error(f.message || 'error');
            err.code = String(f.message || f.body || 'ERR').split(':')[0];
            p.reject(err);
          }
        } else if (f.type === 'err' && !ready) {
          reject(new Error(f.message || f.body));
        }
      });
      ws.on('error', (err) => !ready && reject(err));
      ws.on('close', (code) => {
        this.closeCode = code;
        clearInterval(this.pinger);
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(Object.assign(new Error('closed'), { code: 'CLOSED' }));
        }
        this.pending.clear();
      });
    });
  }

  headers() {
    return { authorization: `Bearer ${this.user.token}` };
  }

  request(address, body, timeoutMs = 30000) {
    const replyAddress = `q.${this.next++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(replyAddress);
        const err = new Error('timeout');
        err.code = 'NO_ANSWER';
        reject(err);
      }, timeoutMs);
      this.pending.set(replyAddress, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ type: 'send', address, body, replyAddress, headers: this.headers() }));
    });
  }

  close() {
    clearInterval(this.pinger);
    if (this.ws) this.ws.terminate();
  }
}

module.exports = { ParleyClient };
