package io.parley.common;

import io.vertx.core.buffer.Buffer;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8, as every door reads what clients send (REST bodies, WebSocket messages, SockJS posts):
 * bytes that are not UTF-8 are refused, never decoded to replacement characters (which would then be
 * stored as if the client had sent them).
 */
public final class StrictUtf8 {

  private StrictUtf8() {
  }

  /** True for valid UTF-8; an all-ASCII buffer (the usual JSON frame) is settled by one pass over its bytes. */
  public static boolean isValid(Buffer bytes) {
    int length = bytes.length();
    int i = 0;
    while (i < length && bytes.getByte(i) >= 0) {
      i++;
    }
    if (i == length) {
      return true;
    }
    // A decoder per call: it is cheap next to the non-ASCII message it checks, and holds no thread state.
    CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      strict.decode(ByteBuffer.wrap(bytes.getBytes(i, length)));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
