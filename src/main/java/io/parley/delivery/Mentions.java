package io.parley.delivery;

import io.parley.common.Failure;
import io.parley.delivery.api.DeliveryError;
import io.parley.delivery.api.DeliveryLimits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code @username}, {@code @here} and {@code @all} in a message's text, read on the server against the
 * conversation's members: a name that is not a member's stays plain text. {@code @here}/{@code @all}
 * count in rooms only, and only when {@code messages.room_wide_mentions} allows them; they are told by
 * the message itself ({@code broadcast}), which every member's connections get, not member by member.
 */
final class Mentions {

  static final String HERE = "here";
  static final String ALL = "all";

  /** '@' not inside a word or an e-mail address, then a username (AuthLimits.USERNAME's characters). */
  private static final Pattern MENTION = Pattern.compile("(?<![A-Za-z0-9._@-])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})");

  /** Who a message mentions: members by id and name, and {@code here}/{@code all} or null. */
  record Found(JsonArray users, String broadcast) {

    static final Found NONE = new Found(new JsonArray(), null);

    List<String> userIds() {
      return users.stream().map(u -> ((JsonObject) u).getString("userId")).toList();
    }

    /** The fields the message is stored with. */
    JsonObject fields() {
      JsonObject fields = new JsonObject();
      if (!users.isEmpty()) {
        fields.put("mentions", users);
      }
      return broadcast == null ? fields : fields.put("broadcast", broadcast);
    }
  }

  private Mentions() {
  }

  /**
   * The distinct names after '@', lower-cased (usernames are unique regardless of case); a trailing '.'
   * is punctuation. More than {@link DeliveryLimits#MENTIONS_PER_MESSAGE} refuses the message whole.
   */
  static Set<String> names(String text) {
    Set<String> names = new LinkedHashSet<>();
    Matcher matcher = MENTION.matcher(text);
    while (matcher.find()) {
      String name = matcher.group(1).toLowerCase(Locale.ROOT);
      while (name.endsWith(".")) {
        name = name.substring(0, name.length() - 1);
      }
      names.add(name);
      if (names.size() > DeliveryLimits.MENTIONS_PER_MESSAGE) {
        throw new Failure(DeliveryError.TOO_MANY_MENTIONS,
          "a message may mention at most " + DeliveryLimits.MENTIONS_PER_MESSAGE + " different names");
      }
    }
    return names;
  }

  /** The names that may be usernames: all but {@code here} and {@code all}. */
  static List<String> usernames(Set<String> names) {
    return names.stream().filter(name -> !HERE.equals(name) && !ALL.equals(name)).toList();
  }

  /**
   * The named members ({userId, username} each, from {@code members}: those of the names who are members),
   * and the room-wide mention if it counts here.
   */
  static Found resolve(Set<String> names, List<JsonObject> members, boolean roomWide) {
    JsonArray users = new JsonArray();
    for (JsonObject member : members) {
      if (names.contains(member.getString("username", "").toLowerCase(Locale.ROOT))) {
        users.add(new JsonObject().put("userId", member.getString("userId")).put("username", member.getString("username")));
      }
    }
    String broadcast = !roomWide ? null : names.contains(ALL) ? ALL : names.contains(HERE) ? HERE : null;
    return new Found(users, broadcast);
  }
}
