package io.parley.gateway.bridge;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

/**
 * The raw {@code /eventbus/websocket} endpoint, served by Parley rather than vertx-web's SockJS raw
 * transport, which decodes text messages leniently: messages are read by {@link WebSocketMessages}
 * (strict UTF-8, bounded), each one bridge frame. Outgoing frames are binary messages, as the SockJS
 * raw transport sends them.
 */
final class RawWebSocket implements ClientSocket {

  private final ServerWebSocket ws;
  private Handler<Buffer> frames = frame -> { };

  RawWebSocket(ServerWebSocket ws, long maxMessageBytes) {
    this.ws = ws;
    WebSocketMessages.read(ws, maxMessageBytes, (message, text) -> frames.handle(message));
  }

  @Override public void handler(Handler<Buffer> frames) { this.frames = frames; }

  @Override public void endHandler(Handler<Void> ended) { ws.closeHandler(ended); }

  @Override public void exceptionHandler(Handler<Throwable> errors) { ws.exceptionHandler(errors); }

  @Override
  public Future<Void> write(Buffer frame) {
    return ws.isClosed() ? Future.failedFuture("closed") : ws.writeBinaryMessage(frame);
  }

  @Override
  public void close(int code, String reason) {
    ws.close((short) code, reason);
  }
}
