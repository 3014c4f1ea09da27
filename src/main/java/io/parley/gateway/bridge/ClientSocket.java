package io.parley.gateway.bridge;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/** What a bridge connection needs of its transport: frames in, frames out, the end, a close with a code. */
interface ClientSocket {

  void handler(Handler<Buffer> frames);

  void endHandler(Handler<Void> ended);

  void exceptionHandler(Handler<Throwable> errors);

  Future<Void> write(Buffer frame);

  void close(int code, String reason);

  /** A SockJS session or socket as vertx-web's SockJS handler hands it over. */
  static ClientSocket of(SockJSSocket socket) {
    return new ClientSocket() {
      @Override public void handler(Handler<Buffer> frames) { socket.handler(frames); }
      @Override public void endHandler(Handler<Void> ended) { socket.endHandler(ended); }
      @Override public void exceptionHandler(Handler<Throwable> errors) { socket.exceptionHandler(errors); }
      @Override public Future<Void> write(Buffer frame) { return socket.write(frame); }
      @Override public void close(int code, String reason) { socket.close(code, reason); }
    };
  }
}
