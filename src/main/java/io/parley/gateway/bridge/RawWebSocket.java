package io.parley.gateway.bridge;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The raw {@code /eventbus/websocket} endpoint, served by Parley rather than vertx-web's SockJS raw
 * transport, which decodes text messages leniently: invalid UTF-8 would reach the bridge as replacement
 * characters and be stored so. Here messages are assembled from frames and a text message that is not
 * UTF-8 fails the connection with 1007 (RFC 6455 §8.1), one over the size limit with 1009. Outgoing
 * frames are binary messages, as the SockJS raw transport sends them.
 */
final class RawWebSocket implements ClientSocket {

  static final short INVALID_PAYLOAD = 1007;
  static final short MESSAGE_TOO_BIG = 1009;

  private static final ThreadLocal<CharsetDecoder> STRICT_UTF8 = ThreadLocal.withInitial(() -> StandardCharsets.UTF_8.newDecoder()
    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));

  private final ServerWebSocket ws;
  private final long maxMessageBytes;
  private Handler<Buffer> frames = frame -> { };
  private Buffer message;
  private boolean text;

  RawWebSocket(ServerWebSocket ws, long maxMessageBytes) {
    this.ws = ws;
    this.maxMessageBytes = maxMessageBytes;
    ws.frameHandler(this::onFrame);
  }

  private void onFrame(WebSocketFrame frame) {
    if (frame.isText() || frame.isBinary()) {
      // Most messages are one frame: only a fragmented one is copied together.
      message = frame.isFinal() ? frame.binaryData() : Buffer.buffer().appendBuffer(frame.binaryData());
      text = frame.isText();
    } else if (frame.isContinuation() && message != null) {
      message.appendBuffer(frame.binaryData());
    } else {
      return; // ping, pong and close frames: Vert.x answers them
    }
    if (message.length() > maxMessageBytes) {
      message = null;
      ws.close(MESSAGE_TOO_BIG, "message over " + maxMessageBytes + " bytes");
      return;
    }
    if (frame.isFinal()) {
      Buffer complete = message;
      message = null;
      if (text && !isUtf8(complete)) {
        ws.close(INVALID_PAYLOAD, "text message is not valid UTF-8");
        return;
      }
      frames.handle(complete);
    }
  }

  /** Strict UTF-8; an all-ASCII message (the usual JSON frame) is settled by one pass over its bytes. */
  private static boolean isUtf8(Buffer bytes) {
    int length = bytes.length();
    int i = 0;
    while (i < length && bytes.getByte(i) >= 0) {
      i++;
    }
    if (i == length) {
      return true;
    }
    try {
      STRICT_UTF8.get().decode(ByteBuffer.wrap(bytes.getBytes(i, length)));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
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
