package io.parley.attachments;

import java.nio.charset.StandardCharsets;

/**
 * The name an upload keeps: the last path segment the client sent, without control characters or the
 * bidirectional overrides that make {@code "gpj.exe"} read as {@code "exe.jpg"}, at most 255 UTF-8 bytes.
 * It is shown and offered as the download's name, never used as a path.
 */
final class FileNames {

  static final int MAX_BYTES = 255;
  static final String FALLBACK = "file";

  private FileNames() {
  }

  static String clean(String sent) {
    String name = sent == null ? "" : sent;
    name = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
    StringBuilder kept = new StringBuilder();
    name.codePoints().filter(c -> !Character.isISOControl(c) && !bidiControl(c)).forEach(kept::appendCodePoint);
    String trimmed = kept.toString().strip();
    while (trimmed.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      trimmed = trimmed.substring(0, trimmed.offsetByCodePoints(0, trimmed.codePointCount(0, trimmed.length()) - 1));
    }
    return trimmed.isEmpty() || trimmed.equals(".") || trimmed.equals("..") ? FALLBACK : trimmed;
  }

  private static boolean bidiControl(int c) {
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0x061C;
  }
}
