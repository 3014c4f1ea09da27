package io.parley.delivery;

import io.parley.common.Caller;
import io.parley.common.Failure;
import io.parley.delivery.api.DeliveryError;
import io.parley.delivery.api.MessageRef;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

import java.time.Clock;
import java.util.List;
import java.util.UUID;

/**
 * Where a change to a message (an edit, a delete, a reaction added or taken off) gets its place: the conversation's change log, a
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
 * What a change does to the message is {@link ChangeEffects}'; who may make it, {@link ChangeRules}'.
 *
 * <p>Every lookup is by exact key: {@code _id}s, or the fields of one unique index.
 */
final class ChangeLog {

  private static final int MAX_ATTEMPTS = 64;

  private final ChangeStore store;
  private final MessageLog messages;
  private final ReactionsByUser reactions;
  private final MessageFiles files;
  private final Clock clock;
  private final Heads heads = new Heads();

  ChangeLog(MongoClient mongo, MessageLog messages, MessageFiles files, Clock clock) {
    this.store = new ChangeStore(mongo);
    this.messages = messages;
    this.reactions = new ReactionsByUser(mongo);
    this.files = files;
    this.clock = clock;
  }

  Future<Void> ensureIndexes() {
    return store.ensureIndexes();
  }

  /** The changes after {@code after} in ascending changeSeq, at most {@code limit} (see {@link ChangeStore#page}). */
  Future<List<JsonObject>> page(String tenant, String conversationId, long after, int limit) {
    return store.page(tenant, conversationId, after, limit);
  }

  /** The change stored (null when there was nothing to change: deleting a tombstone) and the message's state after it. */
  record Changed(JsonObject change, JsonObject message, boolean duplicate) {
  }

  /** The author's new text; a resent clientChangeId yields the stored change, flagged duplicate. */
  Future<Changed> edit(Caller actor, MessageRef message, String text, String clientChangeId) {
    return apply(new Request(actor, message, ChangeEffects.EDITED, text, null, clientChangeId, false));
  }

  /** Deletes the message (its author, or {@code owner} of the conversation), leaving a tombstone. */
  Future<Changed> delete(Caller actor, MessageRef message, String clientChangeId, boolean owner) {
    return apply(new Request(actor, message, ChangeEffects.DELETED, null, null, clientChangeId, owner));
  }

  /**
   * The actor's emoji added to ({@code add}) or taken off the message. Nothing is stored when the actor
   * already has it (or, removing, has not): per user and emoji a reaction exists once, however often sent.
   */
  Future<Changed> react(Caller actor, MessageRef message, String emoji, boolean add) {
    return apply(new Request(actor, message, add ? ChangeEffects.REACTED : ChangeEffects.UNREACTED, null, emoji, null, false));
  }

  record Request(Caller actor, MessageRef message, String kind, String text, String emoji, String clientChangeId, boolean owner) {

    Request withClientChangeId(String id) {
      return new Request(actor, message, kind, text, emoji, id, owner);
    }
  }

  private Future<Changed> apply(Request request) {
    if (request.clientChangeId() == null) {
      // No client id: this request is a change of its own (a generated id keeps the dedup index unique).
      return attempt(request.withClientChangeId(UUID.randomUUID().toString()), 1);
    }
    return store.findByClientId(request.actor(), request.message().conversationId(), request.clientChangeId()).compose(existing -> existing != null ? replay(existing, request) : attempt(request, 1));
  }

  private Future<Changed> attempt(Request request, int attempt) {
    MessageRef ref = request.message();
    return messages.find(request.actor().tenant(), ref.conversationId(), ref.seq()).compose(message -> {
      if (message == null) {
        return notFound(ref);
      }
      Failure refused = ChangeRules.refusal(request, message);
      if (refused != null) {
        return Future.failedFuture(refused);
      }
      if (message.getBoolean("deleted", false)) {
        return Future.succeededFuture(new Changed(null, message, false));
      }
      if (!ChangeEffects.isReaction(request.kind())) {
        return insert(request, message, attempt);
      }
      return reactions.of(ref.id(), request.actor().userId()).compose(mine -> {
        if (ChangeRules.reactionHeld(request, mine)) {
          return unchanged(request, message, attempt);
        }
        Failure bound = ChangeRules.reactionBound(request, mine, message);
        return bound != null ? Future.failedFuture(bound) : insert(request, message, attempt);
      });
    });
  }

  /**
   * Nothing to store, as the actor's reactions say; but a reaction recorded there whose change a dead
   * writer did not put on the message yet is the next revision: roll it forward before answering.
   */
  private Future<Changed> unchanged(Request request, JsonObject message, int attempt) {
    return store.findByRev(request.message().id(), message.getLong("rev", 0L) + 1).compose(pending -> pending == null
      ? Future.succeededFuture(new Changed(null, message, false))
      : rollForward(request, pending).compose(v -> attempt(request, attempt + 1)));
  }

  private Future<Changed> insert(Request request, JsonObject message, int attempt) {
    MessageRef ref = request.message();
    JsonObject change = record(request, message, heads.get(ref.conversationId()) + 1);
    return store.insert(change).transform(inserted -> {
      if (inserted.succeeded()) {
        heads.advance(ref.conversationId(), change.getLong("changeSeq"));
        return applyTo(change, message).map(state -> new Changed(change, state, false));
      }
      if (!MongoErrors.isDuplicateKey(inserted.cause())) {
        return Future.failedFuture(inserted.cause());
      }
      return collided(request, change, attempt);
    });
  }

  /** The insert met a duplicate key: a concurrent resend, a revision another took, or a changeSeq another took. */
  private Future<Changed> collided(Request request, JsonObject change, int attempt) {
    String conversationId = request.message().conversationId();
    return store.findByClientId(request.actor(), request.message().conversationId(), request.clientChangeId()).compose(existing -> {
      if (existing != null) {
        return replay(existing, request);
      }
      if (attempt >= MAX_ATTEMPTS) {
        return Failure.fail(DeliveryError.SEQUENCE_CONTENTION, "too many concurrent changes; resend with the same clientChangeId");
      }
      return store.findByRev(change.getString("messageId"), change.getLong("rev")).compose(rival -> {
        if (rival != null) {
          return rollForward(request, rival).compose(v -> attempt(request, attempt + 1));
        }
        heads.advance(conversationId, change.getLong("changeSeq"));
        return HeadProbe.from(change.getLong("changeSeq"), changeSeq -> store.exists(conversationId, changeSeq))
          .compose(head -> {
            heads.advance(conversationId, head);
            return attempt(request, attempt + 1);
          });
      });
    });
  }

  /** Puts a stored change onto its message unless the message already shows it (or a later one). */
  private Future<Void> rollForward(Request request, JsonObject change) {
    if (ChangeEffects.EDITED.equals(change.getString("kind")) && change.getString("text") == null) {
      // Its text went with a later delete of the message: that is the state to put there.
      return store.findByRev(change.getString("messageId"), change.getLong("rev") + 1)
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
      && (!ChangeEffects.EDITED.equals(request.kind()) || storedText == null || storedText.equals(request.text()));
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
      .put("_id", ChangeStore.id(ref.conversationId(), changeSeq))
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
    if (ChangeEffects.isReaction(request.kind())) {
      // The name too: the message shows who reacted without asking auth for names.
      change.put("emoji", request.emoji()).put("actorName", request.actor().username());
    }
    return ChangeEffects.EDITED.equals(request.kind()) ? change.put("text", request.text()) : change;
  }

  /**
   * Rewrites the message to its state after {@code change}, given {@code prior} (its state before); yields
   * that state. If the rewrite replaced a later revision, that revision is put back. A reaction is first
   * recorded as the actor's, then put on the message: a writer dying between the two leaves the change
   * as the message's next revision, which the next change (or the resend) rolls forward.
   */
  Future<JsonObject> applyTo(JsonObject change, JsonObject prior) {
    ChangeEffects.Effect effect = ChangeEffects.of(change, prior);
    if (effect == null) {
      return Future.succeededFuture(prior);
    }
    String messageId = change.getString("messageId");
    long rev = change.getLong("rev");
    String kind = change.getString("kind");
    Future<Void> recorded = ChangeEffects.isReaction(kind) ? reactions.apply(change)
      : ChangeEffects.DELETED.equals(kind) ? discardFiles(change, prior) : Future.succeededFuture();
    return recorded.compose(v -> messages.rewrite(messageId, effect.update())).compose(before -> {
      Future<Void> purged = ChangeEffects.DELETED.equals(kind) ? store.purgeTexts(messageId, rev) : Future.succeededFuture();
      long overwritten = before == null ? 0 : before.getLong("rev", 0L);
      if (overwritten <= rev) {
        return purged.map(effect.state());
      }
      return purged.compose(v -> store.findByRev(messageId, overwritten))
        .compose(later -> later == null ? Future.succeededFuture(effect.state()) : applyTo(later, effect.state()).map(effect.state()));
    });
  }

  /**
   * A deleted message's attachments go before the message shows the delete: a writer dying in between
   * leaves the change as the next revision, which the resend rolls forward and discards again (idempotent);
   * the other order could leave files of a deleted message readable.
   */
  private Future<Void> discardFiles(JsonObject change, JsonObject prior) {
    JsonArray attached = prior.getJsonArray("attachments");
    if (attached == null || attached.isEmpty()) {
      return Future.succeededFuture();
    }
    List<String> ids = attached.stream().map(a -> ((JsonObject) a).getString("attachmentId")).toList();
    // The change names its actor by id only (a rolled-forward delete may come from anyone): the tenant is what counts.
    return files.discard(new Caller(change.getString("tenant"), change.getString("actorId"), ""), ids);
  }

  private static <T> Future<T> notFound(MessageRef ref) {
    return Failure.fail(DeliveryError.MESSAGE_NOT_FOUND, "no message " + ref.id());
  }
}
