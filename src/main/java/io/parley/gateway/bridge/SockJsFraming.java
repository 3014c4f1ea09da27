package io.parley.gateway.bridge;

import io.vertx.core.json.JsonArray;

import java.util.ArrayList;
import java.util.List;

/**
 * SockJS's framing around bridge frames, for the transports Parley reads itself: what a client sends is
 * a JSON array of strings, each string one bridge frame; what the server sends is {@code o} (open),
 * {@code h} (heartbeat), {@code a[...]} (frames) and {@code c[code,"reason"]} (close).
 */
final class SockJsFraming {

  static final String OPEN = "o";
  static final String HEARTBEAT = "h";
  /** SockJS's close: the session transports say 3000 whatever the reason; Parley's close frame says why. */
  static final String CLOSE = "c[3000,\"Go away!\"]";
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private SockJsFraming() {
  }

  /**
   * The bridge frames of one client batch, or null when it is not a JSON array of strings (sockjs-client
   * sends nothing else). {@code []} is SockJS's empty frame: no frames, not an error.
   */
  static List<String> decode(String batch) {
    Object parsed;
    try {
      parsed = new JsonArray(batch);
    } catch (RuntimeException notAnArray) {
      // DecodeException for broken JSON, and ClassCastException or others for JSON that is not an array.
      return null;
    }
    List<String> frames = new ArrayList<>();
    for (Object item : (JsonArray) parsed) {
      if (!(item instanceof String frame)) {
        return null;
      }
      frames.add(frame);
    }
    return frames;
  }

  /**
   * {@code a["<frame>"]}, escaped as SockJS escapes: everything outside printable ASCII as {@code \\uXXXX},
   * so a frame survives every transport's decoding (U+2028 ends a line in older JavaScript, for one).
   */
  static String encode(String frame) {
    StringBuilder out = new StringBuilder(frame.length() + 16).append("a[\"");
    for (int i = 0; i < frame.length(); i++) {
      char c = frame.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c >= 0x7f) {
        out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
      } else {
        out.append(c);
      }
    }
    return out.append("\"]").toString();
  }
}
