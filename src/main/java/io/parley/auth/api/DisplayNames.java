package io.parley.auth.api;

import io.parley.common.Fields;
import io.vertx.core.json.JsonObject;

/**
 * What a display name may be: any text a client renders as text (HTML included), trimmed, 1–64
 * characters, without control characters or the bidi overrides and isolates that would reorder the text
 * around it (U+202A–U+202E, U+2066–U+2069); over 256 bytes is too large before anything else is looked at.
 */
public final class DisplayNames {

  public static final int MAX_CHARS = 64;
  public static final int MAX_BYTES = 256;

  private DisplayNames() {
  }

  /**
   * The display name of {@code body}, trimmed; null when the field is absent, null or {@code ""} (no
   * display name). {@code required}: the field itself must be there (null and "" still clear it).
   */
  public static String of(JsonObject body, boolean required) {
    if (required && !body.containsKey("displayName")) {
      throw Fields.invalid("displayName", "is required (null or \"\" clears it)");
    }
    String value = Fields.optionalString(body, "displayName", MAX_BYTES);
    if (value == null || value.isEmpty()) {
      return null;
    }
    String name = value.strip();
    int length = name.codePointCount(0, name.length());
    if (length < 1 || length > MAX_CHARS) {
      throw Fields.invalid("displayName", "must be 1-" + MAX_CHARS + " characters after trimming");
    }
    for (int i = 0; i < name.length(); i += Character.charCount(name.codePointAt(i))) {
      int c = name.codePointAt(i);
      if (Character.isISOControl(c) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
        throw Fields.invalid("displayName",
          "must not contain control characters or bidi overrides and isolates (U+202A-U+202E, U+2066-U+2069)");
      }
      if (Character.getType(c) == Character.SURROGATE) {
        throw Fields.invalid("displayName", "must be Unicode text (it has a lone surrogate)");
      }
    }
    return name;
  }
}
