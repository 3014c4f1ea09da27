package io.parley.attachments;

import io.parley.common.Caller;
import io.parley.rooms.api.RoomsClient;
import io.parley.rooms.api.RoomsError;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;

/** Whether the caller is in a conversation, as rooms says; rooms' other failures (e.g. a timeout) stay failures. */
final class Membership {

  private final RoomsClient rooms;

  Membership(RoomsClient rooms) {
    this.rooms = rooms;
  }

  Future<Boolean> isMember(Caller caller, String conversationId) {
    return rooms.membership(caller, conversationId).map(true).recover(err -> outsider(err)
      ? Future.succeededFuture(false) : Future.failedFuture(err));
  }

  private static boolean outsider(Throwable err) {
    return err instanceof ReplyException reply && (reply.failureCode() == RoomsError.NOT_A_MEMBER.failureCode()
      || reply.failureCode() == RoomsError.CONVERSATION_NOT_FOUND.failureCode());
  }
}
