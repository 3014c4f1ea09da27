package io.parley.rooms;

import io.parley.common.Caller;
import io.parley.common.Failure;
import io.parley.rooms.api.RoomsError;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Who may see and act in a conversation. A conversation of another tenant, and a private one the
 * caller is not in, answer exactly like one that does not exist, so ids cannot be probed.
 */
final class Access {

  private final ConversationStore conversations;
  private final MembershipStore memberships;

  Access(ConversationStore conversations, MembershipStore memberships) {
    this.conversations = conversations;
    this.memberships = memberships;
  }

  /** The conversation if the caller may see it: a member, or anyone in the tenant for a public room. */
  Future<JsonObject> visible(Caller caller, String id) {
    return conversations.find(caller.tenant(), id).compose(conversation -> {
      if (conversation == null) {
        return notFound(id);
      }
      if (isPublic(conversation)) {
        return Future.succeededFuture(conversation);
      }
      return memberships.find(caller.tenant(), id, caller.userId())
        .compose(m -> m == null ? notFound(id) : Future.succeededFuture(conversation));
    });
  }

  /** The conversation and the caller's membership; a visible room the caller is not in is NOT_A_MEMBER. */
  Future<MemberContext> memberOf(Caller caller, String id) {
    return Future.all(conversations.find(caller.tenant(), id), memberships.find(caller.tenant(), id, caller.userId()))
      .compose(both -> {
        JsonObject conversation = both.resultAt(0);
        JsonObject membership = both.resultAt(1);
        if (conversation == null || (membership == null && !isPublic(conversation))) {
          return notFound(id);
        }
        if (membership == null) {
          return Failure.fail(RoomsError.NOT_A_MEMBER, "join the room first");
        }
        return Future.succeededFuture(new MemberContext(conversation, membership));
      });
  }

  static boolean isPublic(JsonObject conversation) {
    return "public".equals(conversation.getString("visibility"));
  }

  static <T> Future<T> notFound(String id) {
    return Failure.fail(RoomsError.CONVERSATION_NOT_FOUND, "no conversation " + id);
  }

  record MemberContext(JsonObject conversation, JsonObject membership) {

    String type() {
      return conversation.getString("type");
    }

    long lastSeq() {
      return conversation.getLong("lastSeq", 0L);
    }
  }
}
