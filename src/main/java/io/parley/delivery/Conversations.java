package io.parley.delivery;

import io.parley.common.Caller;
import io.parley.rooms.api.MembersAmong;
import io.parley.rooms.api.Membership;
import io.parley.rooms.api.Mentioned;
import io.parley.rooms.api.Positions;
import io.parley.rooms.api.RoomsClient;
import io.parley.rooms.api.RoomsError;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** What delivery needs to know of conversations, which the rooms concern owns. */
interface Conversations {

  /** The caller's membership; fails when the caller may not read or write the conversation. */
  Future<Membership> membership(Caller caller, String conversationId);

  /** The caller's conversations with their read positions. */
  Future<Positions> positions(Caller caller);

  /** Message {@code seq} is stored: the head and the sender's read position move there. */
  Future<Void> appended(Caller caller, String conversationId, long seq);

  /** Which of these users are members now ({userId, username} each). */
  Future<List<JsonObject>> membersAmong(Caller caller, MembersAmong users);

  /** The caller's stored message {@code seq} mentions these members (or everyone): their unread mentions. */
  Future<Void> mentioned(Caller caller, Mentioned mentioned);

  /** A membership refusal: the conversation is not the caller's (missing, another tenant's, left, or not joined). */
  static boolean notMember(Throwable failure) {
    return failure instanceof ReplyException refused && (refused.failureCode() == RoomsError.CONVERSATION_NOT_FOUND.failureCode()
      || refused.failureCode() == RoomsError.NOT_A_MEMBER.failureCode());
  }

  static Conversations of(RoomsClient rooms) {
    return new Conversations() {
      @Override public Future<Membership> membership(Caller caller, String id) { return rooms.membership(caller, id); }
      @Override public Future<Positions> positions(Caller caller) { return rooms.positions(caller); }
      @Override public Future<Void> appended(Caller caller, String id, long seq) { return rooms.appended(caller, id, seq); }
      @Override public Future<List<JsonObject>> membersAmong(Caller caller, MembersAmong users) { return rooms.membersAmong(caller, users); }
      @Override public Future<Void> mentioned(Caller caller, Mentioned mentioned) { return rooms.mentioned(caller, mentioned); }
    };
  }
}
