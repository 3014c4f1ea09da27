'use strict';
// A Parley bridge client over SockJS's websocket transport, /eventbus/<server>/<session>/websocket — the
// transport sockjs-client picks in a browser. SockJS frames: "o" open, "h" heartbeat, "a[…]" an array of
// JSON-encoded bridge frames, "c[code,reason]" close; the client writes arrays of JSON-encoded frames.
// pause() stops reading the TCP socket (the server's writes back up) while pings still go out.
const crypto = require('crypto');
const WebSocket = require('ws');

class SockJsClient {
  constructor(base, user, localAddress) {
    const server = String(crypto.randomInt(1000)).padStart(3, '0');
    const session = crypto.randomBytes(8).toString('hex');
    this.url = `${base.replace(/^http/, 'ws')}/eventbus/${server}/${session}/websocket`;
    this.user = user;
    this.localAddress = localAddress;
    this.inbox = `parley.client.${user.tenant}.${user.userId}`;
    this.onMessage = () => {};
    this.messages = 0;
    this.closeFrame = null; // Parley's {"type":"close","code":…} before it closes
    this.sockjsClose = null; // SockJS's c[code,reason]
    this.wsClose = null; // the WebSocket close code as ws saw it
    this.closedAt = null;
  }

  connect(timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { localAddress: this.localAddress, perMessageDeflate: false });
      this.ws = ws;
      let ready = false;
      const timer = setTimeout(() => { if (!ready) { ws.terminate(); reject(new Error('no ready')); } }, timeoutMs);
      ws.on('message', (data) => {
        const s = data.toString();
        if (s[0] === 'o') {
          this.write({ type: 'register', address: this.inbox, headers: { authorization: `Bearer ${this.user.token}` } });
          this.pinger = setInterval(() => this.write({ type: 'ping' }), 5000); // as the official client
        } else if (s[0] === 'c') {
          this.sockjsClose = JSON.parse(s.slice(1));
        } else if (s[0] === 'a') {
          for (const raw of JSON.parse(s.slice(1))) {
            const f = JSON.parse(raw);
            if (f.type === 'close') this.closeFrame = f;
            else if (f.type === 'rec' && f.address === this.inbox && f.body) {
              if (f.body.type === 'ready' && !ready) { ready = true; clearTimeout(timer); resolve(); }
              else if (f.body.type === 'message') { this.messages++; this.onMessage(f.body.message); }
            } else if (f.type === 'err' && !ready) { clearTimeout(timer); reject(new Error(f.message || f.body)); }
          }
        }
      });
      ws.on('error', (err) => { if (!ready) { clearTimeout(timer); reject(err); } });
      ws.on('close', (code) => {
        clearInterval(this.pinger);
        this.wsClose = code;
        this.closedAt = Date.now();
      });
    });
  }

  write(frame) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify([JSON.stringify(frame)]));
  }

  pause() { this.ws.pause(); }

  resume() { this.ws.resume(); }

  get closed() { return this.closedAt != null; }

  /** How the server closed it: Parley's code from its close frame, else SockJS's, else the WebSocket's. */
  closeSummary() {
    if (!this.closed) return 'open';
    if (this.closeFrame) return String(this.closeFrame.code);
    if (this.sockjsClose) return `sockjs ${this.sockjsClose[0]}`;
    return `ws ${this.wsClose}`;
  }

  close() {
    clearInterval(this.pinger);
    this.ws.terminate();
  }
}

module.exports = { SockJsClient };
