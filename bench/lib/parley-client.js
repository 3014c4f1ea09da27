'use strict';
// A small Parley bridge client over raw /eventbus/websocket for the growth scenario: register, wait for
// ready, request/reply with timeouts, message events to onMessage.
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

  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { localAddress: this.localAddress, perMessageDeflate: false });
      this.ws = ws;
      let ready = false;
      ws.on('open', () => {
        ws.send(JSON.stringify({ type: 'register', address: this.inbox, headers: this.headers() }));
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
          else p.reject(new Error(f.message || 'error'));
        } else if (f.type === 'err' && !ready) {
          reject(new Error(f.message || f.body));
        }
      });
      ws.on('error', (err) => !ready && reject(err));
      ws.on('close', () => {
        clearInterval(this.pinger);
        for (const p of this.pending.values()) p.reject(new Error('closed'));
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
        reject(new Error('timeout'));
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
