// The SockJS event-bus bridge through the official Vert.x client: connect, register the user's inbox
// on every open (the client forgets handlers on reconnect), requests with a timeout, every frame
// carrying the current access token; a socket silent past the heartbeat timeout, or a browser gone
// offline, is closed so the official client reconnects (see heartbeat.js).
import { ParleyError, toParleyError, codeOf } from './errors.js';
import { Watchdog, watchNetwork, allowedSilence, FIRST_HEARTBEAT_MS } from './heartbeat.js';

/** The close code for a socket this side gave up on (SockJS allows 1000 and 3000–4999 from clients). */
export const CLOSE_GAVE_UP = 4900;

/** The official client: a given constructor, the browser global, or the npm package (Node, bundlers). */
export async function loadEventBus(given) {
  if (given) return given;
  if (globalThis.EventBus) return globalThis.EventBus;
  const mod = await import('@vertx/eventbus-bridge-client.js');
  return mod.default ?? mod;
}

export class Connection {
  /**
   * @param {{
   *   url: string,                          // e.g. https://chat.example/eventbus
   *   EventBus: Function,                   // the official client's constructor
   *   inbox: string,                        // parley.client.<tenant>.<userId>
   *   token: () => Promise<string>,         // a fresh access token
   *   onEvent: (event: object) => void,     // bodies arriving on the inbox
   *   onState: (state: string, info?: object) => void,
   *   onInboxError?: (err: ParleyError) => void,
   *   requestTimeoutMs?: number,
   *   options?: object,                     // passed to the EventBus (vertxbus_* settings, SockJS options)
   *   heartbeatTimeoutMs?: number,          // silence after which the socket counts as dead (0: never)
   *   network?: EventTarget,                // where `online` / `offline` fire (default: window, if any)
   * }} opts
   */
  constructor(opts) {
    this.opts = opts;
    this.timeoutMs = opts.requestTimeoutMs ?? 15000;
    this.eb = null;
    this.outstanding = new Set();
    this.state = 'offline';
    this.lastClose = null;
    this.watchdog = new Watchdog(opts.heartbeatTimeoutMs ?? 7500, () => this._giveUp('heartbeat timeout'));
    this.unwatchNetwork = null;
  }

  open() {
    this.unwatchNetwork ??= watchNetwork(this.opts.network, {
      offline: () => this._giveUp('offline'),
      // Back online: connect now rather than at the end of the official client's backoff.
      online: () => this.reconnectNow(),
    });
    this._openBus();
  }

  _openBus() {
    const { EventBus, url, inbox } = this.opts;
    const eb = this.eb = new EventBus(url, this.opts.options);
    eb.enableReconnect(true);
    this._state('connecting');
    const onInbox = (err, msg) => {
      if (!err) return this.opts.onEvent(msg.body);
      const e = toParleyError(err);
      this.opts.onInboxError?.(e);
      if (/^TOKEN_|^UNAUTHENTICATED$/.test(e.code)) {
        // Registration refused for the token: a fresh one, then register again.
        eb.unregisterHandler(inbox, onInbox);
        this.opts.token().then((t) => { this.presentToken(t); eb.registerHandler(inbox, onInbox); }, () => {});
      }
    };
    eb.onopen = () => {
      this._watch(eb);
      this.opts.token().then((t) => {
        if (this.eb !== eb) return;
        this.presentToken(t);
        eb.registerHandler(inbox, onInbox);
        this._state('registering');
      }, (err) => this.opts.onInboxError?.(toParleyError(err)));
    };
    eb.onclose = (e) => {
      if (this.eb !== eb) return; // replaced by reconnectNow (its requests were failed then)
      this.watchdog.stop();
      // Replies still owed are lost with the socket: fail those requests now, not at their timeout.
      this._failOutstanding('connection lost');
      this._state(eb.reconnectEnabled ? 'reconnecting' : 'offline', { close: this.lastClose, event: e && { code: e.code, reason: e.reason } });
    };
    // The server's {"type":"close","code":4000|4001|4002} frame has no address.
    eb.onunhandled = (json) => { if (json && json.type === 'close') this.lastClose = { code: json.code, reason: json.reason }; };
    eb.onerror = (err) => this.opts.onInboxError?.(toParleyError(err));
  }

  /** Every frame in (heartbeats, events, replies) shows the socket alive. A new SockJS object per (re)open. */
  _watch(eb) {
    const sock = eb.sockJSConn;
    const openedAt = Date.now();
    let limit = FIRST_HEARTBEAT_MS; // until the first heartbeat tells the server's interval
    const alive = () => { if (this.eb === eb) this.watchdog.touch(limit); };
    if (sock && typeof sock.addEventListener === 'function') {
      let first = true;
      sock.addEventListener('heartbeat', () => {
        if (first) limit = allowedSilence(this.watchdog.timeoutMs, Date.now() - openedAt);
        first = false;
        alive();
      });
      sock.addEventListener('message', alive);
    }
    alive();
  }

  /**
   * The socket is taken for dead (silence or the browser offline): say `reconnecting` now and close the
   * SockJS socket — not the EventBus, whose close() turns reconnecting off — so the official client's
   * onclose schedules its reconnect as after any drop.
   */
  _giveUp(reason) {
    const eb = this.eb;
    if (!eb) return;
    this.watchdog.stop();
    this._failOutstanding(reason);
    if (eb.reconnectEnabled !== false) this._state('reconnecting', { reason });
    const sock = eb.sockJSConn;
    try { if (sock) sock.close(CLOSE_GAVE_UP, reason); } catch { /* already closing */ }
  }

  /**
   * Connects now if not open, instead of waiting out the reconnect backoff (the browser is back
   * online). The old EventBus is dropped with its timer; a new one opens. Returns whether it did.
   */
  reconnectNow() {
    const old = this.eb;
    if (!old || old.state === this.opts.EventBus.OPEN) return false;
    this.eb = null;
    old.enableReconnect(false); // clears its pending reconnect timer
    try { if (old.sockJSConn) old.sockJSConn.close(CLOSE_GAVE_UP, 'reconnecting now'); } catch { /* closing */ }
    this._failOutstanding('reconnecting');
    this._openBus();
    return true;
  }

  _failOutstanding(why) {
    for (const fail of [...this.outstanding]) fail(new ParleyError('OFFLINE', why));
  }

  /** The inbox said `ready`: the connection is subscribed. */
  markReady() { this.lastClose = null; this._state('online'); }

  get isOpen() { return !!this.eb && this.eb.state === this.opts.EventBus.OPEN; }

  /** Every later frame carries this token (the server verifies each new value). */
  presentToken(token) {
    if (this.eb) this.eb.defaultHeaders = { authorization: `Bearer ${token}` };
  }

  /** A request to a bridge address; rejects with a ParleyError (OFFLINE, TIMEOUT, or the server's code). */
  request(address, body, timeoutMs = this.timeoutMs) {
    return new Promise((resolve, reject) => {
      if (!this.isOpen) return reject(new ParleyError('OFFLINE', 'not connected to the server'));
      let timer = null;
      const done = (fn, value) => { clearTimeout(timer); this.outstanding.delete(fail); fn(value); };
      const fail = (err) => done(reject, toParleyError(err));
      timer = setTimeout(() => fail(new ParleyError('TIMEOUT', 'no answer from the server')), timeoutMs);
      this.outstanding.add(fail);
      try {
        this.eb.send(address, body, (err, reply) => (err ? fail(err) : done(resolve, reply.body)));
      } catch (err) {
        fail(new ParleyError('OFFLINE', String(err && err.message)));
      }
    });
  }

  close() {
    const eb = this.eb;
    this.eb = null;
    this.watchdog.stop();
    if (this.unwatchNetwork) this.unwatchNetwork();
    this.unwatchNetwork = null;
    if (!eb) return;
    eb.enableReconnect(false);
    this._failOutstanding('closed');
    try { eb.close(); } catch { /* was not open */ }
    this._state('offline');
  }

  _state(state, info) {
    this.state = state;
    this.opts.onState(state, info);
  }
}

export { codeOf };
