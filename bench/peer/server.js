// The benchmark's peer: one Socket.IO 4 process; run two of them on one redis-server and
// @socket.io/redis-adapter carries room broadcasts between them. The same scenario as Parley's:
// a client joins its rooms, sends with a client id and gets an ack, and every member of the room
// (the sender included, as in Parley) receives the message. No persistence, no auth, no dedup.
//
//   node server.js PORT REDIS_URL
'use strict';
const http = require('http');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const { createClient } = require('redis');

const port = Number(process.argv[2]);
const redisUrl = process.argv[3];
if (!port || !redisUrl) {
  console.error('usage: node server.js PORT REDIS_URL');
  process.exit(2);
}

async function main() {
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const server = http.createServer();
  const io = new Server(server, {
    transports: ['websocket'],
    serveClient: false,
    adapter: createAdapter(pub, sub),
  });
  let seq = 0;
  io.on('connection', (socket) => {
    // join: [room, ...] → ack(rooms joined)
    socket.on('join', (rooms, ack) => {
      if (Array.isArray(rooms)) socket.join(rooms.map(String));
      if (typeof ack === 'function') ack({ ok: true, rooms: Array.isArray(rooms) ? rooms.length : 0 });
    });
    // send: {room, clientMsgId, text} → broadcast {room, message}, then ack the sender
    socket.on('send', (body, ack) => {
      if (!body || typeof body.room !== 'string' || typeof body.text !== 'string') {
        if (typeof ack === 'function') ack({ error: 'VALIDATION_FAILED' });
        return;
      }
      const message = { seq: ++seq, clientMsgId: body.clientMsgId, text: body.text, createdAt: Date.now() };
      io.to(body.room).emit('message', { type: 'message', conversationId: body.room, message });
      if (typeof ack === 'function') ack(message);
    });
  });
  server.listen(port, '127.0.0.1', () => console.log(`peer listening on 127.0.0.1:${port} pid ${process.pid}`));
  const stop = () => {
    io.close();
    Promise.allSettled([pub.quit(), sub.quit()]).then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
