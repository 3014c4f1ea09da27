package io.parley.delivery;

import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where a reply gets its place in its thread: a second gap-free sequence per thread root, {@code
 * threadSeq}, arbitrated as seqs are — insert at {@code <rootId>#<threadSeq>}, and on a duplicate key
 * tell a reply already placed (the unique {@code messageId}) from a race (the next number is taken).
 * The reply itself is a message of the conversation's log like any other (so live delivery, sync and
 * failover need nothing new); this index only lets a thread be paged by exact keys.
 */
final class Threads {

  /** Owned by delivery. {@code _id} = rootId#threadSeq; unique (messageId). */
  static final String REPLIES = "thread_replies";
  private static final int MAX_ATTEMPTS = 64;

  private final MongoClient mongo;
  private final Heads heads = new Heads();

  Threads(MongoClient mongo) {
    this.mongo = mongo;
  }

  static String id(String rootId, long threadSeq) {
    return rootId + "#" + threadSeq;
  }

  Future<Void> ensureIndexes() {
    return Mongo.index(mongo, REPLIES, new JsonObject().put("messageId", 1), true);
  }

  /** The reply's threadSeq: a new one, or the one it got before (a resend, or a writer that died after placing it). */
  Future<Long> place(String tenant, String rootId, String messageId, long knownCount) {
    return attempt(tenant, rootId, messageId, Math.max(knownCount, heads.get(rootId)) + 1, 1);
  }

  private Future<Long> attempt(String tenant, String rootId, String messageId, long threadSeq, int attempt) {
    JsonObject entry = new JsonObject().put("_id", id(rootId, threadSeq)).put("tenant", tenant)
      .put("rootId", rootId).put("threadSeq", threadSeq).put("messageId", messageId);
    return mongo.insert(REPLIES, entry).map(v -> {
      heads.advance(rootId, threadSeq);
      return threadSeq;
    }).recover(err -> {
      if (!MongoErrors.isDuplicateKey(err)) {
        return Future.failedFuture(err);
      }
      return mongo.findOne(REPLIES, new JsonObject().put("messageId", messageId), null).compose(placed -> {
        if (placed != null) {
          return Future.succeededFuture(placed.getLong("threadSeq"));
        }
        heads.advance(rootId, threadSeq);
        if (attempt >= MAX_ATTEMPTS) {
          return Future.failedFuture(err);
        }
        return probeHead(rootId, threadSeq).compose(head -> attempt(tenant, rootId, messageId, head + 1, attempt + 1));
      });
    });
  }

  /**
   * Message ids of the replies in ascending threadSeq: after {@code after} (exclusive), else before
   * {@code before}, else the newest, at most {@code limit}; {@code knownCount} is a threadSeq known placed.
   */
  Future<List<JsonObject>> page(String tenant, String rootId, long after, long before, int limit, long knownCount) {
    return PageWindow.of(after, before, limit, () -> probeHead(rootId, Math.max(knownCount, heads.get(rootId))))
      .compose(window -> byThreadSeqs(tenant, rootId, window.from(), window.to()));
  }

  private Future<List<JsonObject>> byThreadSeqs(String tenant, String rootId, long from, long to) {
    List<String> ids = new ArrayList<>();
    for (long threadSeq = from; threadSeq <= to; threadSeq++) {
      ids.add(id(rootId, threadSeq));
    }
    if (ids.isEmpty()) {
      return Future.succeededFuture(new ArrayList<>());
    }
    return mongo.find(REPLIES, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(ids))))
      .map(found -> new ArrayList<>(found.stream().filter(e -> tenant.equals(e.getString("tenant")))
        .sorted(Comparator.comparingLong(e -> e.getLong("threadSeq"))).toList()));
  }

  private Future<Long> probeHead(String rootId, long placed) {
    return HeadProbe.from(placed, threadSeq -> mongo.findOne(REPLIES, new JsonObject().put("_id", id(rootId, threadSeq)),
      new JsonObject().put("_id", 1)).map(found -> found != null)).onSuccess(head -> heads.advance(rootId, head));
  }
}
