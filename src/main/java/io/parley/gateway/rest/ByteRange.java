package io.parley.gateway.rest;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code Range: bytes=...} of a download (RFC 9110 §14): {@code first-last}, {@code first-} or the
 * suffix {@code -length}. Several ranges, other units or a malformed header are ignored — the whole file
 * is sent, as the RFC allows; a range starting past the end is unsatisfiable (416).
 */
record ByteRange(long first, long last) {

  private static final Pattern SINGLE = Pattern.compile("bytes=(\\d{0,18})-(\\d{0,18})");
  static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

  /** The range to send of a {@code size}-byte file; null for the whole file; {@link #UNSATISFIABLE}. */
  static ByteRange of(String header, long size) {
    Matcher m = header == null ? null : SINGLE.matcher(header.trim());
    if (m == null || !m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
      return null;
    }
    if (m.group(1).isEmpty()) {
      long suffix = Long.parseLong(m.group(2));
      return suffix == 0 || size == 0 ? UNSATISFIABLE : new ByteRange(Math.max(0, size - suffix), size - 1);
    }
    long first = Long.parseLong(m.group(1));
    if (first >= size) {
      return UNSATISFIABLE;
    }
    long last = m.group(2).isEmpty() ? size - 1 : Long.parseLong(m.group(2));
    return last < first ? null : new ByteRange(first, Math.min(last, size - 1));
  }

  long length() {
    return last - first + 1;
  }
}
