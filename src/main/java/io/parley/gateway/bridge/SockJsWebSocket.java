package io.parley.gateway.bridge;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

import java.util.List;

/**
 * SockJS's WebSocket transport ({@code /eventbus/<server>/<session>/websocket}), served by Parley rather
 * than vertx-web, which reads it with Vert.x's lenient text decoding and cannot be given a strict one
 * (Netty's UTF-8 validator sits in a pipeline only Vert.x internals reach). Messages are read by
 * {@link WebSocketMessages} (strict UTF-8 → 1007, over the size limit → 1009); a message that is not a
 * JSON array of strings closes with 1007 too, a binary one with 1003 (vertx-web closed both without a
 * code). The rest is SockJS as sockjs-client expects it: {@code o} first, {@code h} every
 * {@code http.sockjs_heartbeat_ms} (as vertx-web's own sessions get it), frames as {@code a[...]}, {@code c[3000,"Go away!"]} before the server closes.
 */
final class SockJsWebSocket implements ClientSocket {

  static final short UNSUPPORTED_DATA = 1003;

  private final ServerWebSocket ws;
  private final Vertx vertx;
  private final long heartbeat;
  private Handler<Buffer> frames = frame -> { };
  private Handler<Void> ended = v -> { };

  SockJsWebSocket(Vertx vertx, ServerWebSocket ws, long maxMessageBytes, long heartbeatMs) {
    this.vertx = vertx;
    this.ws = ws;
    WebSocketMessages.read(ws, maxMessageBytes, this::onMessage);
    ws.writeTextMessage(SockJsFraming.OPEN);
    heartbeat = vertx.setPeriodic(heartbeatMs, t -> ws.writeTextMessage(SockJsFraming.HEARTBEAT).onFailure(err -> { }));
    ws.closeHandler(v -> {
      vertx.cancelTimer(heartbeat);
      ended.handle(null);
    });
  }

  private void onMessage(Buffer message, boolean text) {
    if (!text) {
      ws.close(UNSUPPORTED_DATA, "SockJS messages are text");
      return;
    }
    List<String> batch = SockJsFraming.decode(message.toString());
    if (batch == null) {
      ws.close(WebSocketMessages.INVALID_PAYLOAD, "not a SockJS message: a JSON array of strings");
      return;
    }
    batch.forEach(frame -> frames.handle(Buffer.buffer(frame)));
  }

  @Override public void handler(Handler<Buffer> frames) { this.frames = frames; }

  @Override public void endHandler(Handler<Void> ended) { this.ended = ended; }

  @Override public void exceptionHandler(Handler<Throwable> errors) { ws.exceptionHandler(errors); }

  @Override
  public Future<Void> write(Buffer frame) {
    return ws.isClosed() ? Future.failedFuture("closed") : ws.writeTextMessage(SockJsFraming.encode(frame.toString()));
  }

  /** SockJS's close frame, then the WebSocket's close; the code is in Parley's close frame, sent before. */
  @Override
  public void close(int code, String reason) {
    vertx.cancelTimer(heartbeat);
    if (!ws.isClosed()) {
      ws.writeTextMessage(SockJsFraming.CLOSE).onComplete(written -> ws.close());
    }
  }
}
