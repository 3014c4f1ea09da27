// Helpers for the client tests (not a test itself): a stand-in for the official EventBus that records
// sends, answers them from `answer(address, body)` and lets a test deliver inbox events.
export function fakeBus(answer) {
  const buses = [];
  class FakeBus {
    static OPEN = 1;
    constructor(url) { this.url = url; this.state = 0; this.handlers = {}; this.sent = []; buses.push(this); }
    enableReconnect(on) { this.reconnectEnabled = on; }
    registerHandler(address, cb) { this.handlers[address] = cb; }
    unregisterHandler(address) { delete this.handlers[address]; }
    send(address, body, cb) {
      this.sent.push({ address, body, headers: this.defaultHeaders });
      Promise.resolve(answer(address, body)).then((r) => cb(r.err ?? null, r.err ? null : { body: r.body }), () => {});
    }
    close() { this.state = 3; }
    open() { this.state = 1; this.onopen(); }
    drop() { this.state = 3; this.onclose({}); }
    deliver(body) { Object.values(this.handlers)[0](null, { body }); }
  }
  return { FakeBus, buses };
}

export const tick = () => new Promise((r) => setTimeout(r, 5));
export const session = { tenant: 't', userId: 'me', username: 'me', accessToken: 'a1', refreshToken: 'r1', expiresIn: 900 };
export const m = (seq, extra = {}) => ({ id: `c:${seq}`, conversationId: 'c', seq, senderId: 'bob', senderName: 'bob', clientMsgId: `b${seq}`, text: `t${seq}`, ...extra });

/** Connects `client` on its fake bus and delivers `ready` with the given conversations. */
export async function ready(client, buses, conversations) {
  await client.connect();
  const bus = buses.at(-1);
  bus.open();
  await tick();
  bus.deliver({ type: 'ready', conversations });
  await tick();
  return bus;
}
