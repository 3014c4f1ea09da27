package io.parley.delivery.api;

import io.parley.common.Fields;
import io.vertx.core.json.JsonObject;

import java.util.regex.Pattern;

/**
 * What may be a reaction: one emoji (a single pictographic character with its presentation selector,
 * skin tone, ZWJ parts or tag characters; a flag of two regional indicators; a keycap) or a
 * {@code :shortcode:} of at most 32 characters. Java 17 has no emoji properties (Character.isEmoji is
 * Java 21), so the pictographic blocks are listed here: a sane set rather than Unicode's every symbol.
 */
public final class Emoji {

  /** Bytes of the longest emoji accepted (a family of four with skin tones is 41). */
  public static final int MAX_BYTES = 64;
  public static final Pattern SHORTCODE = Pattern.compile(":[a-z0-9_+-]{1,30}:");
  public static final String RULE = "must be one emoji or a :shortcode: of at most 32 characters (a-z, 0-9, _+-)";

  private static final int ZWJ = 0x200D;
  private static final int PRESENTATION = 0xFE0F;
  private static final int KEYCAP = 0x20E3;

  private Emoji() {
  }

  /** The {@code emoji} field of a reaction request. */
  public static String fromJson(JsonObject body) {
    String emoji = Fields.requiredString(body, "emoji", MAX_BYTES);
    if (!valid(emoji)) {
      throw Fields.invalid("emoji", RULE);
    }
    return emoji;
  }

  /** The same rule for an emoji named in a path, e.g. DELETE …/reactions/:emoji. */
  public static String parse(String emoji) {
    return fromJson(new JsonObject().put("emoji", emoji));
  }

  public static boolean valid(String emoji) {
    return SHORTCODE.matcher(emoji).matches() || isFlag(emoji) || isKeycap(emoji) || isPictographicSequence(emoji);
  }

  private static boolean isFlag(String s) {
    int[] cps = s.codePoints().toArray();
    return cps.length == 2 && regionalIndicator(cps[0]) && regionalIndicator(cps[1]);
  }

  private static boolean isKeycap(String s) {
    int[] cps = s.codePoints().toArray();
    boolean base = cps.length >= 2 && (Character.isDigit(cps[0]) && cps[0] < 0x80 || cps[0] == '#' || cps[0] == '*');
    return base && (cps.length == 2 && cps[1] == KEYCAP || cps.length == 3 && cps[1] == PRESENTATION && cps[2] == KEYCAP);
  }

  /** pictograph (modifier | FE0F | tag)* (ZWJ pictograph (modifier | FE0F)*)* */
  private static boolean isPictographicSequence(String s) {
    int[] cps = s.codePoints().toArray();
    if (cps.length == 0 || !pictographic(cps[0])) {
      return false;
    }
    for (int i = 1; i < cps.length; i++) {
      int cp = cps[i];
      if (cp == ZWJ) {
        if (i + 1 >= cps.length || !pictographic(cps[i + 1])) {
          return false;
        }
        i++;
      } else if (!(cp == PRESENTATION || skinTone(cp) || tag(cp))) {
        return false;
      }
    }
    return true;
  }

  private static boolean pictographic(int cp) {
    return cp >= 0x1F000 && cp <= 0x1FAFF && !regionalIndicator(cp) && !skinTone(cp)
      || cp >= 0x2190 && cp <= 0x21FF
      || cp >= 0x2300 && cp <= 0x23FF
      || cp >= 0x25A0 && cp <= 0x27BF
      || cp >= 0x2934 && cp <= 0x2935
      || cp >= 0x2B05 && cp <= 0x2B55
      || cp == 0x00A9 || cp == 0x00AE || cp == 0x203C || cp == 0x2049 || cp == 0x2122 || cp == 0x2139
      || cp == 0x3030 || cp == 0x303D || cp == 0x3297 || cp == 0x3299;
  }

  private static boolean regionalIndicator(int cp) {
    return cp >= 0x1F1E6 && cp <= 0x1F1FF;
  }

  private static boolean skinTone(int cp) {
    return cp >= 0x1F3FB && cp <= 0x1F3FF;
  }

  private static boolean tag(int cp) {
    return cp >= 0xE0020 && cp <= 0xE007F;
  }
}
