package io.parley.bench;

import io.parley.store.EmbeddedMongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.MongoClient;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Fills an embedded data directory (node stopped) with many tenants' conversations and messages, for
 * the growth benchmark: {@code java -cp parley.jar io.parley.bench.SeedStore <dataDir> <tenants>
 * <conversationsPerTenant> <messagesPerConversation> [<directoryUsersPerTenant>]}. Sending a million
 * messages through the API would take hours; this writes the documents the concerns would have
 * written, in bulk. It follows the stored layout of docs/ARCHITECTURE.md ("Data"), and
 * {@code SeedStoreTest} reads what it writes back through a real node, so a layout change that it
 * misses fails a test.
 *
 * <p>Besides messages, each conversation holds what a lived-in one does (every 20 messages, by seq
 * modulo 20): a thread — the message at 1 is a root, 2–4 are its replies — an edit of the messages at 5
 * and 7 by their authors, a 👍 from the other member on those at 7 and 17 (so 7 is changed twice), and a
 * ❤️ added and taken off again on the one at 9. Those changes are the conversation's change log, in
 * order of the messages they change, and each message shows its latest state, as {@code ChangeLog}
 * leaves it.
 *
 * <p>Each tenant has its two members (alice and bob, no display name) and, for the user directory,
 * {@code directoryUsersPerTenant} more (default 0): {@code m0000}, {@code m0001}, … named
 * {@code Member 0000}, … — the names the growth benchmark gives its measured tenant's users, so every
 * tenant holds keys a directory query of that tenant would match if it did not keep to its own.
 */
public final class SeedStore {

  private static final int BATCH = 500;
  /** Bulk writes waiting for their answer at once (the embedded store commits concurrent writes together). */
  private static final int IN_FLIGHT = 2;
  static final int REPLIES_PER_THREAD = 3;
  static final String THUMBS_UP = "\uD83D\uDC4D";
  static final String HEART = "\u2764\uFE0F";
  /** What is seeded is already in the current layout: the start-up migrations have nothing to do. */
  static final List<String> MIGRATIONS_DONE = List.of("delivery.message-ids-by-place", "rooms.key-lists", "auth.refresh-spends-by-key");

  /** What was written. */
  public record Seeded(long messages, long changes, long replies, long reactions) {
  }

  /** The {@code i}-th directory user's username; its display name is {@code "Member " + the digits}. */
  static String directoryUsername(int i) {
    return String.format(Locale.ROOT, "m%04d", i);
  }

  private final MongoClient mongo;
  private final Map<String, List<BulkOperation>> batches = new HashMap<>();
  private final ArrayDeque<Future<?>> writing = new ArrayDeque<>();
  private long messages;
  private long changes;
  private long replies;
  private long reactions;

  private SeedStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 4 && args.length != 5) {
      System.err.println("usage: SeedStore <dataDir> <tenants> <conversationsPerTenant> <messagesPerConversation>"
        + " [<directoryUsersPerTenant>]");
      System.exit(2);
    }
    long started = System.nanoTime();
    int tenants = Integer.parseInt(args[1]);
    int directoryUsers = args.length == 5 ? Integer.parseInt(args[4]) : 0;
    Seeded seeded = seed(Path.of(args[0]), tenants, Integer.parseInt(args[2]), Integer.parseInt(args[3]), directoryUsers);
    System.out.printf("seeded %d messages (%d thread replies among them), %d changes (edits, reactions), %d message_reactions,"
        + " %d users (%d per tenant) in %.1f s%n", seeded.messages(), seeded.replies(), seeded.changes(), seeded.reactions(),
      (long) tenants * (2 + directoryUsers), 2 + directoryUsers, (System.nanoTime() - started) / 1e9);
  }

  /** Blocking. */
  public static Seeded seed(Path dataDir, int tenants, int conversations, int messages) throws Exception {
    return seed(dataDir, tenants, conversations, messages, 0);
  }

  /** Blocking; {@code directoryUsers} more users per tenant beside its two members. */
  public static Seeded seed(Path dataDir, int tenants, int conversations, int messages, int directoryUsers) throws Exception {
    EmbeddedMongo store = EmbeddedMongo.start(dataDir, 0);
    Vertx vertx = Vertx.vertx();
    MongoClient mongo = MongoClient.create(vertx, new JsonObject().put("connection_string", store.connectionString()).put("db_name", "parley"));
    try {
      SeedStore seeder = new SeedStore(mongo);
      for (String migration : MIGRATIONS_DONE) {
        await(mongo.save("migrations", new JsonObject().put("_id", migration).put("rewritten", 0).put("by", "seed")));
      }
      for (int t = 0; t < tenants; t++) {
        seeder.seedTenant("seed-" + t, conversations, messages, directoryUsers);
      }
      seeder.flushAll();
      return new Seeded(seeder.messages, seeder.changes, seeder.replies, seeder.reactions);
    } finally {
      mongo.close().toCompletionStage().toCompletableFuture().get();
      vertx.close().toCompletionStage().toCompletableFuture().get();
      store.close();
    }
  }

  private void seedTenant(String tenant, int conversations, int messages, int directoryUsers) throws Exception {
    String alice = tenant + "-alice";
    String bob = tenant + "-bob";
    JsonArray conversationIds = new JsonArray();
    for (String user : List.of(alice, bob)) {
      add("users", new JsonObject().put("_id", user).put("tenant", tenant).put("username", user)
        .put("usernameKey", user).put("passwordHash", "seeded-no-login").put("createdAt", 0L));
    }
    for (int i = 0; i < directoryUsers; i++) {
      String username = directoryUsername(i);
      String displayName = "Member " + username.substring(1);
      add("users", new JsonObject().put("_id", tenant + "-" + username).put("tenant", tenant).put("username", username)
        .put("usernameKey", username).put("displayName", displayName).put("displayNameKey", displayName.toLowerCase(Locale.ROOT))
        .put("passwordHash", "seeded-no-login").put("createdAt", 0L));
    }
    for (int c = 0; c < conversations; c++) {
      String id = tenant + "-c" + c;
      conversationIds.add(id);
      add("conversations", new JsonObject().put("_id", id).put("tenant", tenant).put("type", "room")
        .put("visibility", "private").put("name", "seeded " + c).put("createdBy", alice).put("createdAt", 0L)
        .put("lastSeq", (long) messages));
      for (String user : List.of(alice, bob)) {
        add("memberships", new JsonObject().put("_id", id + ":" + user).put("tenant", tenant)
          .put("conversationId", id).put("userId", user).put("username", user).put("role", "member")
          .put("readSeq", (long) messages).put("joinedAt", 0L));
      }
      add("conversation_members", new JsonObject().put("_id", id).put("ids", new JsonArray().add(alice).add(bob)));
      new Conversation(tenant, id, alice, bob, messages).seed();
    }
    for (String user : List.of(alice, bob)) {
      add("user_conversations", new JsonObject().put("_id", tenant + ":" + user).put("ids", conversationIds));
    }
  }

  /** One conversation's messages, threads and change log, built in memory and then queued for writing. */
  private final class Conversation {

    private final String tenant;
    private final String id;
    private final String alice;
    private final String bob;
    private final List<JsonObject> log = new ArrayList<>();
    /** message_reactions: messageId/userId → that user's emojis on that message. */
    private final Map<String, JsonObject> byUsers = new HashMap<>();
    private long changeSeq;

    Conversation(String tenant, String id, String alice, String bob, int messages) {
      this.tenant = tenant;
      this.id = id;
      this.alice = alice;
      this.bob = bob;
      for (long seq = 1; seq <= messages; seq++) {
        String sender = sender(seq);
        log.add(new JsonObject().put("_id", id + ":" + seq).put("tenant", tenant)
          .put("conversationId", id).put("seq", seq).put("senderId", sender).put("senderName", sender)
          .put("clientMsgId", "seed-" + seq).put("text", "seeded message " + seq + " of about a hundred bytes, like a chat line")
          .put("createdAt", seq));
      }
    }

    private String sender(long seq) {
      return seq % 2 == 0 ? alice : bob;
    }

    private String other(long seq) {
      return seq % 2 == 0 ? bob : alice;
    }

    void seed() {
      long last = log.size();
      for (long root = 1; root + REPLIES_PER_THREAD <= last; root += 20) {
        thread(root);
      }
      for (long seq = 1; seq <= last; seq++) {
        long place = seq % 20;
        if (place == 5 || place == 7) {
          edit(seq);
        }
        if (place == 7 || place == 17) {
          react(seq, other(seq), THUMBS_UP, true);
        }
        if (place == 9) {
          react(seq, other(seq), HEART, true);
          react(seq, other(seq), HEART, false);
        }
      }
      log.forEach(message -> add("messages", message));
      messages += log.size();
      byUsers.values().forEach(mine -> add("message_reactions", mine));
      reactions += byUsers.size();
    }

    /** The message at {@code rootSeq} and its replies, placed at threadSeq 1, 2, … as {@code Threads} places them. */
    private void thread(long rootSeq) {
      JsonObject root = message(rootSeq);
      Set<String> followers = new LinkedHashSet<>();
      followers.add(root.getString("senderId"));
      for (int threadSeq = 1; threadSeq <= REPLIES_PER_THREAD; threadSeq++) {
        JsonObject reply = message(rootSeq + threadSeq).put("threadOf", root.getString("_id")).put("threadSeq", (long) threadSeq);
        followers.add(reply.getString("senderId"));
        add("thread_replies", new JsonObject().put("_id", root.getString("_id") + "#" + threadSeq).put("tenant", tenant)
          .put("rootId", root.getString("_id")).put("threadSeq", (long) threadSeq).put("messageId", reply.getString("_id")));
        root.put("replyCount", (long) threadSeq).put("lastReplyAt", reply.getLong("createdAt"));
        replies++;
      }
      root.put("threadFollowers", new JsonArray(new ArrayList<>(followers)));
    }

    private void edit(long seq) {
      JsonObject message = message(seq);
      String text = "seeded message " + seq + ", edited by its author";
      JsonObject change = change(message, "edited", message.getString("senderId")).put("text", text);
      if (message.getValue("originalText") == null) {
        message.put("originalText", message.getString("text"));
      }
      message.put("text", text).put("editedAt", change.getLong("at"));
    }

    /** Each seeded emoji is the only one of its kind on its message: adding makes an entry, taking off removes it. */
    private void react(long seq, String user, String emoji, boolean add) {
      JsonObject message = message(seq);
      change(message, add ? "reacted" : "unreacted", user).put("emoji", emoji).put("actorName", user);
      JsonArray shown = new JsonArray();
      message.getJsonArray("reactions", new JsonArray()).forEach(entry -> {
        if (!emoji.equals(((JsonObject) entry).getString("emoji"))) {
          shown.add(entry);
        }
      });
      if (add) {
        shown.add(new JsonObject().put("emoji", emoji).put("count", 1L)
          .put("users", new JsonArray().add(new JsonObject().put("userId", user).put("username", user))));
      }
      message.put("reactions", shown);
      String byUser = message.getString("_id") + "/" + user;
      JsonObject mine = byUsers.computeIfAbsent(byUser, k -> new JsonObject().put("_id", byUser).put("tenant", tenant)
        .put("messageId", message.getString("_id")).put("userId", user).put("emojis", new JsonArray()));
      if (add) {
        mine.getJsonArray("emojis").add(emoji);
      } else {
        mine.getJsonArray("emojis").remove(emoji);
      }
    }

    /** The next change of the log, as revision rev+1 of the message; the message records it. */
    private JsonObject change(JsonObject message, String kind, String actor) {
      changeSeq++;
      long rev = message.getLong("rev", 0L) + 1;
      long at = log.size() + changeSeq;
      JsonObject change = new JsonObject().put("_id", id + ":" + changeSeq).put("tenant", tenant)
        .put("conversationId", id).put("changeSeq", changeSeq).put("messageId", message.getString("_id"))
        .put("seq", message.getLong("seq")).put("rev", rev).put("kind", kind).put("actorId", actor)
        .put("clientChangeId", "seed-change-" + changeSeq).put("at", at);
      add("message_changes", change);
      changes++;
      message.put("rev", rev).put("lastChangeSeq", changeSeq);
      return change;
    }

    private JsonObject message(long seq) {
      return log.get((int) seq - 1);
    }
  }

  /** Queues a document for a bulk insert into {@code collection}; a full batch is written at once. */
  private void add(String collection, JsonObject document) {
    List<BulkOperation> batch = batches.computeIfAbsent(collection, k -> new ArrayList<>());
    batch.add(BulkOperation.createInsert(document));
    if (batch.size() >= BATCH) {
      try {
        write(collection);
      } catch (Exception e) {
        throw new IllegalStateException("seeding " + collection + " failed", e);
      }
    }
  }

  private void write(String collection) throws Exception {
    List<BulkOperation> batch = batches.remove(collection);
    if (batch == null || batch.isEmpty()) {
      return;
    }
    if (writing.size() >= IN_FLIGHT) {
      await(writing.removeFirst());
    }
    writing.addLast(mongo.bulkWrite(collection, batch));
  }

  private void flushAll() throws Exception {
    for (String collection : new ArrayList<>(batches.keySet())) {
      write(collection);
    }
    while (!writing.isEmpty()) {
      await(writing.removeFirst());
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get();
  }
}
