package io.parley.gateway.bridge;

import io.parley.common.StrictUtf8;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;

import java.util.function.BiConsumer;

/**
 * Whole messages from a WebSocket's frames, read by Parley rather than by Vert.x's text-message handler,
 * which decodes leniently (invalid UTF-8 would reach the bridge as replacement characters). A text
 * message that is not UTF-8 fails the connection with 1007 (RFC 6455 §8.1), one over the size limit
 * with 1009; nothing in either is handed on.
 */
final class WebSocketMessages {

  static final short INVALID_PAYLOAD = 1007;
  static final short MESSAGE_TOO_BIG = 1009;

  private final ServerWebSocket ws;
  private final long maxMessageBytes;
  private final BiConsumer<Buffer, Boolean> messages;
  private Buffer message;
  private boolean text;

  private WebSocketMessages(ServerWebSocket ws, long maxMessageBytes, BiConsumer<Buffer, Boolean> messages) {
    this.ws = ws;
    this.maxMessageBytes = maxMessageBytes;
    this.messages = messages;
  }

  /** Hands each complete message of {@code ws} to {@code messages} with whether it is text. */
  static void read(ServerWebSocket ws, long maxMessageBytes, BiConsumer<Buffer, Boolean> messages) {
    ws.frameHandler(new WebSocketMessages(ws, maxMessageBytes, messages)::onFrame);
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
      if (text && !StrictUtf8.isValid(complete)) {
        ws.close(INVALID_PAYLOAD, "text message is not valid UTF-8");
        return;
      }
      messages.accept(complete, text);
    }
  }
}
