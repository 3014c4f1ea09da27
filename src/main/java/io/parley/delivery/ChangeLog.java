package io.parley.delivery;

import io.parley.common.Caller;
import io.parley.common.Failure;
import io.parley.delivery.api.DeliveryError;
import io.parley.delivery.api.MessageRef;
import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.MongoClient;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * Where a change to a message (an edit, a delete) gets its place: the conversation's change log, a
 * second gap-free sequence ({@code changeSeq}) beside the messages' {@code seq}, arbitrated the way
 * {@link MessageLog} arbitrates seqs — insert at {@code <conversationId>:<changeSeq>}, and on a
 * duplicate key tell a resend (the unique {@code (conversationId, actorId, clientChangeId)}) from a
 * race (the next number is taken) and try the next. Messages keep counting unread; changes do not.
 *
 * <p>The message document itself is then rewritten in place to its latest state (text and
 * {@code editedAt}; or {@code deleted} with the text removed), by {@code _id} alone. Changes of one
 * message are ordered by its revision: a change is recorded as revision {@code rev + 1} of the message
 * as its writer read it, and a unique {@code (messageId, rev)} lets only one change follow each state,
 * across instances. A writer that meets a revision taken by another rolls that change forward onto the
 * message (its writer may have died before) and decides again on the result; a writer whose rewrite
 * replaced a later revision (it read the state before, the other wrote first) puts the later one back.
 * A delete also removes the text from every earlier change of the message, so none is left in storage.
 *
 * <p>Every lookup is by exact key: {@code _id}s, or the fields of one unique index.
 */
final class ChangeLog {

  /** Owned by delivery. {@code _id} = conversationId:changeSeq; unique (conversationId, actorId, clientChangeId), (messageId, rev). */
  static final String CHANGES = "message_changes";
  static final String EDITED = "edited";
  static final String DELETED = "deleted";
  private static final int MAX_ATTEMPTS = 64;

  private final MongoClient mongo;
  private final MessageLog messages;
  private final Clock clock;
  private final Heads heads = new Heads();

  ChangeLog(MongoClient mongo, MessageLog messages, Clock clock) {
    this.mongo = mongo;
    this.messages = messages;
    this.clock = clock;
  }

  static String id(String conversationId, long changeSeq) {
    return conversationId + ":" + changeSeq;
  }

  Future<Void> ensureIndexes() {
    return Mongo.index(mongo, CHANGES, new JsonObject().put("conversationId", 1).put("actorId", 1).put("clientChangeId", 1), true)
      .compose(v -> Mongo.index(mongo, CHANGES, new JsonObject().put("messageId", 1).put("rev", 1), true));
  }

  /** The change stored (null when there was nothing to change: deleting a tombstone) and the message's state after it. */
  record Changed(JsonObject change, JsonObject message, boolean duplicate) {
  }

  /** The author's new text; a resent clientChangeId yields the stored change, flagged duplicate. */
  Future<Changed> edit(Caller actor, MessageRef message, String text, String clientChangeId) {
    return apply(new Request(actor, message, EDITED, text, clientChangeId, false));
  }

  /** Deletes the message (its author, or {@code owner} of the conversation), leaving a tombstone. */
  Future<Changed> delete(Caller actor, MessageRef message, String clientChangeId, boolean owner) {
    return apply(new Request(actor, message, DELETED, null, clientChangeId, owner));
  }

  /**
   * The changes after {@code after} (exclusive) in ascending changeSeq, at most {@code limit}: one lookup
   * for the next id, then (if there is one) one lookup of the ids after it, since changeSeqs have no gaps.
   */
  Future<List<JsonObject>> page(String tenant, String conversationId, long after, int limit) {
    return exists(conversationId, after + 1).compose(any -> {
      if (!any) {
        return Future.succeededFuture(List.of());
      }
      List<String> ids = new ArrayList<>();
      for (long changeSeq = after + 1; changeSeq <= after + limit; changeSeq++) {
        ids.add(id(conversationId, changeSeq));
      }
      return mongo.find(CHANGES, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(ids))))
        .map(found -> found.stream().filter(c -> tenant.equals(c.getString("tenant")))
          .sorted(Comparator.comparingLong(c -> c.getLong("changeSeq"))).toList());
    });
  }

  private record Request(Caller actor, MessageRef message, String kind, String text, String clientChangeId, boolean owner) {

    Request withClientChangeId(String id) {
      return new Request(actor, message, kind, text, id, owner);
    }
  }

  private Future<Changed> apply(Request request) {
    if (request.clientChangeId() == null) {
      // No client id: this request is a change of its own (a generated id keeps the dedup index unique).
      return attempt(request.withClientChangeId(UUID.randomUUID().toString()), 1);
    }
    return findByClientId(request).compose(existing -> existing != null ? replay(existing, request) : attempt(request, 1));
  }

  private Future<Changed> attempt(Request request, int attempt) {
    MessageRef ref = request.message();
    return messages.find(request.actor().tenant(), ref.conversationId(), ref.seq()).compose(message -> {
      if (message == null) {
        return notFound(ref);
      }
      Failure refused = refusal(request, message);
      if (refused != null) {
        return Future.failedFuture(refused);
      }
      if (message.getBoolean("deleted", false)) {
        return Future.succeededFuture(new Changed(null, message, false));
      }
      JsonObject change = record(request, message, heads.get(ref.conversationId()) + 1);
      return mongo.insert(CHANGES, change).<Changed>transform(inserted -> {
        if (inserted.succeeded()) {
          heads.advance(ref.conversationId(), change.getLong("changeSeq"));
          return applyTo(change, message).map(state -> new Changed(change, state, false));
        }
        if (!MongoErrors.isDuplicateKey(inserted.cause())) {
          return Future.failedFuture(inserted.cause());
        }
        return collided(request, change, attempt);
      });
    });
  }

  /** The rules: edits are the author's and not of a tombstone; deletes the author's or the owner's. */
  private static Failure refusal(Request request, JsonObject message) {
    boolean author = request.actor().userId().equals(message.getString("senderId"));
    if (EDITED.equals(request.kind())) {
      if (!author) {
        return new Failure(DeliveryError.NOT_MESSAGE_AUTHOR, "only its author may edit a message");
      }
      if (message.getBoolean("deleted", false)) {
        return new Failure(DeliveryError.MESSAGE_DELETED, "message " + request.message().id() + " is deleted");
      }
    } else if (!author && !request.owner()) {
      return new Failure(DeliveryError.NOT_MESSAGE_AUTHOR, "only its author or the conversation's owner may delete a message");
    }
    return null;
  }

  /** The insert met a duplicate key: a concurrent resend, a revision another took, or a changeSeq another took. */
  private Future<Changed> collided(Request request, JsonObject change, int attempt) {
    String conversationId = request.message().conversationId();
    return findByClientId(request).compose(existing -> {
      if (existing != null) {
        return replay(existing, request);
      }
      if (attempt >= MAX_ATTEMPTS) {
        return Failure.fail(DeliveryError.SEQUENCE_CONTENTION, "too many concurrent changes; resend with the same clientChangeId");
      }
      return findByRev(change.getString("messageId"), change.getLong("rev")).compose(rival -> {
        if (rival != null) {
          return rollForward(request, rival).compose(v -> attempt(request, attempt + 1));
        }
        heads.advance(conversationId, change.getLong("changeSeq"));
        return HeadProbe.from(change.getLong("changeSeq"), changeSeq -> exists(conversationId, changeSeq))
          .compose(head -> {
            heads.advance(conversationId, head);
            return attempt(request, attempt + 1);
          });
      });
    });
  }

  /** Puts a stored change onto its message unless the message already shows it (or a later one). */
  private Future<Void> rollForward(Request request, JsonObject change) {
    if (EDITED.equals(change.getString("kind")) && change.getString("text") == null) {
      // Its text went with a later delete of the message: that is the state to put there.
      return findByRev(change.getString("messageId"), change.getLong("rev") + 1)
        .compose(later -> later == null ? Future.<Void>succeededFuture() : rollForward(request, later));
    }
    MessageRef ref = request.message();
    return messages.find(request.actor().tenant(), ref.conversationId(), ref.seq()).compose(message -> {
      if (message == null || message.getLong("rev", 0L) >= change.getLong("rev")) {
        return Future.<Void>succeededFuture();
      }
      return applyTo(change, message).<Void>mapEmpty();
    });
  }

  /** A resend of a stored change: the same change again, or a refusal when the id named another. */
  private Future<Changed> replay(JsonObject existing, Request request) {
    String storedText = existing.getString("text");
    boolean same = existing.getString("messageId").equals(request.message().id())
      && existing.getString("kind").equals(request.kind())
      // A later delete removed the text of the edit: nothing left to compare, and nothing to change either.
      && (!EDITED.equals(request.kind()) || storedText == null || storedText.equals(request.text()));
    if (!same) {
      return Failure.fail(DeliveryError.CLIENT_CHANGE_ID_REUSED, "clientChangeId was already used for a different change");
    }
    return rollForward(request, existing)
      .compose(v -> messages.find(request.actor().tenant(), request.message().conversationId(), request.message().seq()))
      .compose(message -> {
        if (message == null) {
          return ChangeLog.<Changed>notFound(request.message());
        }
        return Future.succeededFuture(new Changed(existing, message, true));
      });
  }

  private JsonObject record(Request request, JsonObject message, long changeSeq) {
    MessageRef ref = request.message();
    JsonObject change = new JsonObject()
      .put("_id", id(ref.conversationId(), changeSeq))
      .put("tenant", request.actor().tenant())
      .put("conversationId", ref.conversationId())
      .put("changeSeq", changeSeq)
      .put("messageId", ref.id())
      .put("seq", ref.seq())
      .put("rev", message.getLong("rev", 0L) + 1)
      .put("kind", request.kind())
      .put("actorId", request.actor().userId())
      .put("clientChangeId", request.clientChangeId())
      .put("at", clock.millis());
    return EDITED.equals(request.kind()) ? change.put("text", request.text()) : change;
  }

  /**
   * Rewrites the message to its state after {@code change}, given {@code prior} (its state before); yields
   * that state. If the rewrite replaced a later revision, that revision is put back.
   */
  Future<JsonObject> applyTo(JsonObject change, JsonObject prior) {
    String messageId = change.getString("messageId");
    long rev = change.getLong("rev");
    JsonObject set = new JsonObject().put("rev", rev).put("lastChangeSeq", change.getLong("changeSeq"));
    JsonObject update = new JsonObject().put("$set", set);
    JsonObject state = prior.copy();
    if (EDITED.equals(change.getString("kind"))) {
      if (change.getString("text") == null) {
        // Its text was removed by a later delete of the message, which is the state that stands.
        return Future.succeededFuture(prior);
      }
      set.put("text", change.getString("text")).put("editedAt", change.getLong("at"));
      if (prior.getValue("originalText") == null && prior.getValue("text") != null) {
        // Kept so that a resend of the original send is still recognised as the same message.
        set.put("originalText", prior.getString("text"));
      }
    } else {
      set.put("deleted", true).put("deletedAt", change.getLong("at"));
      update.put("$unset", new JsonObject().put("text", "").put("originalText", ""));
      state.remove("text");
      state.remove("originalText");
    }
    state.mergeIn(set);
    return messages.rewrite(messageId, update).compose(before -> {
      Future<Void> purged = DELETED.equals(change.getString("kind")) ? purgeTexts(messageId, rev) : Future.succeededFuture();
      long overwritten = before == null ? 0 : before.getLong("rev", 0L);
      if (overwritten <= rev) {
        return purged.map(state);
      }
      return purged.compose(v -> findByRev(messageId, overwritten))
        .compose(later -> later == null ? Future.succeededFuture(state) : applyTo(later, state).map(state));
    });
  }

  /** Removes the text of the message's earlier changes (revisions 1 … rev-1): after a delete none is kept. */
  private Future<Void> purgeTexts(String messageId, long rev) {
    if (rev <= 1) {
      return Future.succeededFuture();
    }
    List<BulkOperation> updates = new ArrayList<>();
    for (long earlier = 1; earlier < rev; earlier++) {
      updates.add(BulkOperation.createUpdate(new JsonObject().put("messageId", messageId).put("rev", earlier),
        new JsonObject().put("$unset", new JsonObject().put("text", ""))));
    }
    return mongo.bulkWriteWithOptions(CHANGES, updates, new BulkWriteOptions(false)).mapEmpty();
  }

  private Future<Boolean> exists(String conversationId, long changeSeq) {
    return mongo.findOne(CHANGES, new JsonObject().put("_id", id(conversationId, changeSeq)), new JsonObject().put("_id", 1))
      .map(found -> found != null);
  }

  /** The dedup lookup: exactly the unique index's fields. */
  private Future<JsonObject> findByClientId(Request request) {
    return mongo.findOne(CHANGES, new JsonObject()
        .put("conversationId", request.message().conversationId())
        .put("actorId", request.actor().userId())
        .put("clientChangeId", request.clientChangeId()), null)
      .map(found -> found != null && request.actor().tenant().equals(found.getString("tenant")) ? found : null);
  }

  /** The change that made revision {@code rev} of the message: exactly the unique index's fields. */
  private Future<JsonObject> findByRev(String messageId, long rev) {
    return mongo.findOne(CHANGES, new JsonObject().put("messageId", messageId).put("rev", rev), null);
  }

  private static <T> Future<T> notFound(MessageRef ref) {
    return Failure.fail(DeliveryError.MESSAGE_NOT_FOUND, "no message " + ref.id());
  }
}
