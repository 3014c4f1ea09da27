package io.parley.delivery;

import io.parley.common.Caller;
import io.parley.common.Failure;
import io.parley.delivery.api.DeliveryError;
import io.parley.delivery.api.MessageRef;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Replies in threads. A reply names its parent ({@code threadOf}); a reply to a reply joins the root's
 * thread (threads are one level deep, as in Slack). Once the reply is stored it is placed in the thread
 * ({@link Threads}), gets its {@code threadSeq}, and the root learns {@code replyCount}, {@code
 * lastReplyAt} and who follows the thread: its author, everyone who replied, everyone mentioned in it.
 */
final class ThreadReplies {

  private final MessageLog messages;
  private final Threads threads;

  ThreadReplies(MessageLog messages, Threads threads) {
    this.messages = messages;
    this.threads = threads;
  }

  /** The id of the thread's root a reply to {@code parent} belongs to; refuses another conversation's or a deleted parent. */
  Future<String> rootOf(Caller caller, String conversationId, MessageRef parent) {
    if (!parent.conversationId().equals(conversationId)) {
      return Failure.fail(DeliveryError.THREAD_PARENT_INVALID, "threadOf must name a message of the same conversation");
    }
    return messages.find(caller.tenant(), conversationId, parent.seq()).compose(found -> {
      if (found == null) {
        return Failure.fail(DeliveryError.MESSAGE_NOT_FOUND, "no message " + parent.id());
      }
      if (found.getBoolean("deleted", false)) {
        return Failure.fail(DeliveryError.MESSAGE_DELETED, "message " + parent.id() + " is deleted");
      }
      return Future.succeededFuture(found.getString("threadOf", parent.id()));
    });
  }

  /** The stored reply placed in its thread: the reply with its threadSeq, and the root as it is after. */
  record Placed(JsonObject reply, JsonObject root) {

    /** Who follows the thread (ids), as the root records them. */
    List<String> followers() {
      return root == null ? List.of() : root.getJsonArray("threadFollowers", new JsonArray()).stream().map(String::valueOf).toList();
    }
  }

  /**
   * Places a stored reply (again for a resend: idempotent) and tells the root. {@code mentioned} are
   * user ids the reply mentions: they follow the thread from now on.
   */
  Future<Placed> place(JsonObject reply, List<String> mentioned) {
    String rootId = reply.getString("threadOf");
    String replyId = reply.getString("_id");
    String tenant = reply.getString("tenant");
    return messages.find(tenant, reply.getString("conversationId"), MessageRef.parse(rootId).seq()).compose(root -> {
      long knownCount = root == null ? 0 : root.getLong("replyCount", 0L);
      return threads.place(tenant, rootId, replyId, knownCount).compose(threadSeq ->
        messages.update(replyId, new JsonObject().put("$set", new JsonObject().put("threadSeq", threadSeq))).compose(placed -> {
          JsonArray follow = new JsonArray().add(reply.getString("senderId"));
          if (root != null) {
            follow.add(root.getString("senderId"));
          }
          mentioned.forEach(follow::add);
          JsonObject update = new JsonObject()
            .put("$max", new JsonObject().put("replyCount", threadSeq).put("lastReplyAt", reply.getLong("createdAt")))
            .put("$addToSet", new JsonObject().put("threadFollowers", new JsonObject().put("$each", follow)));
          return messages.update(rootId, update).map(after -> new Placed(placed, after));
        }));
    });
  }

  /**
   * A page of the thread's replies in ascending threadSeq (a reply may have its place before its own
   * document shows it, if its writer is still at work or died: the place is the truth).
   */
  Future<List<JsonObject>> replies(String tenant, JsonObject root, long after, long before, int limit) {
    String conversationId = root.getString("conversationId");
    return threads.page(tenant, root.getString("_id"), after, before, limit, root.getLong("replyCount", 0L)).compose(entries -> {
      Map<String, Long> places = new HashMap<>();
      entries.forEach(e -> places.put(e.getString("messageId"), e.getLong("threadSeq")));
      return messages.bySeqs(tenant, conversationId, entries.stream().map(e -> MessageRef.parse(e.getString("messageId")).seq()).toList())
        .map(found -> found.stream().map(reply -> reply.copy().put("threadSeq", places.get(reply.getString("_id"))))
          .sorted(Comparator.comparingLong(reply -> reply.getLong("threadSeq"))).toList());
    });
  }
}
