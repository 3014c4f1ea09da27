package io.parley.testing;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A conversation's worth of everything a chat does, over REST, one step after another: messages, thread
 * replies, edits, deletes, reactions added and taken off, by several members on random messages. It keeps
 * what it expects the store to hold ({@link #changes()}: the steps that changed a message), so a test can
 * compare what a client caught up with, live or through sync, against it.
 */
public final class MixedTraffic {

  private static final String[] EMOJIS = {"\uD83D\uDC4D", "\uD83C\uDF89", ":tada:", ":eyes:", "\u2764\uFE0F"};

  private final Rest rest;
  private final String room;
  private final List<JsonObject> members;
  private final Random random;
  /** seq → {author, deleted} of every message sent. */
  private final Map<Long, JsonObject> messages = new HashMap<>();
  /** "seq/userId" → the emojis that user has on that message. */
  private final Map<String, Set<String>> reactions = new HashMap<>();
  private int sent;
  private int changes;
  private int steps;

  public MixedTraffic(Rest rest, String room, List<JsonObject> members, long seed) {
    this.rest = rest;
    this.room = room;
    this.members = members;
    this.random = new Random(seed);
  }

  /** Messages (and replies) this traffic sent. */
  public int sent() {
    return sent;
  }

  /** Steps that changed a message (each one a change in the log). */
  public int changes() {
    return changes;
  }

  /** Runs {@code count} more steps, each answered before the next. */
  public Future<Void> run(int count) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < count; i++) {
      chain = chain.compose(v -> step());
    }
    return chain;
  }

  private Future<Void> step() {
    int member = random.nextInt(members.size());
    String token = members.get(member).getString("accessToken");
    String userId = members.get(member).getString("userId");
    List<Long> live = messages.entrySet().stream().filter(e -> !e.getValue().getBoolean("deleted")).map(Map.Entry::getKey).sorted().toList();
    List<Long> own = live.stream().filter(seq -> userId.equals(messages.get(seq).getString("author"))).toList();
    int roll = random.nextInt(100);
    steps++;
    if (live.isEmpty() || roll < 35) {
      return send(token, userId, null);
    }
    if (roll < 45) {
      return send(token, userId, live.get(random.nextInt(live.size())));
    }
    if (roll < 60 && !own.isEmpty()) {
      long seq = own.get(random.nextInt(own.size()));
      return expect(rest.call(HttpMethod.PUT, "/messages/" + id(seq), token,
        new JsonObject().put("text", "edit " + steps).put("clientChangeId", "e-" + steps)), 200).map(v -> changed());
    }
    if (roll < 65 && !own.isEmpty()) {
      long seq = own.get(random.nextInt(own.size()));
      messages.get(seq).put("deleted", true);
      return expect(rest.call(HttpMethod.DELETE, "/messages/" + id(seq), token, null), 200).map(v -> changed());
    }
    long seq = live.get(random.nextInt(live.size()));
    Set<String> mine = reactions.computeIfAbsent(seq + "/" + userId, k -> new HashSet<>());
    String emoji = EMOJIS[random.nextInt(EMOJIS.length)];
    if (roll < 88) {
      boolean changes = mine.add(emoji);
      return expect(rest.call(HttpMethod.POST, "/messages/" + id(seq) + "/reactions", token, new JsonObject().put("emoji", emoji)), 200)
        .map(v -> changes ? changed() : null);
    }
    boolean changes = mine.remove(emoji);
    return expect(rest.call(HttpMethod.DELETE, "/messages/" + id(seq) + "/reactions/"
      + URLEncoder.encode(emoji, StandardCharsets.UTF_8), token, null), 200).map(v -> changes ? changed() : null);
  }

  private Future<Void> send(String token, String userId, Long parent) {
    JsonObject body = new JsonObject().put("clientMsgId", "mixed-" + steps).put("text", "message " + steps + " @" + name());
    if (parent != null) {
      body.put("threadOf", id(parent));
    }
    return rest.expect(201, "/conversations/" + room + "/messages", token, body).map(stored -> {
      messages.put(stored.getLong("seq"), new JsonObject().put("author", userId).put("deleted", false));
      sent++;
      return null;
    });
  }

  private String name() {
    return members.get(random.nextInt(members.size())).getString("username", "nobody");
  }

  private Void changed() {
    changes++;
    return null;
  }

  private String id(long seq) {
    return room + ":" + seq;
  }

  private static Future<JsonObject> expect(Future<HttpResponse<Buffer>> call, int status) {
    return call.compose(response -> Rest.check(response, status));
  }
}
