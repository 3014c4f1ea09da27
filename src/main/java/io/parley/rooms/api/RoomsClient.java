package io.parley.rooms.api;

import io.parley.common.BusRequests;
import io.parley.common.Caller;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/** The rooms concern as the gateway and other concerns call it over the event bus. */
public final class RoomsClient {

  private final BusRequests bus;

  public RoomsClient(BusRequests bus) {
    this.bus = bus;
  }

  /** The caller's membership; fails CONVERSATION_NOT_FOUND or NOT_A_MEMBER. */
  public Future<Membership> membership(Caller caller, String conversationId) {
    return bus.<JsonObject>request(RoomsAddresses.MEMBERSHIP, new JsonObject().put("conversationId", conversationId),
      caller.deliveryOptions()).map(reply -> Membership.fromJson(reply.body()));
  }

  /** The caller's conversations and read positions. */
  public Future<Positions> positions(Caller caller) {
    return bus.<JsonObject>request(RoomsAddresses.POSITIONS, new JsonObject(), caller.deliveryOptions())
      .map(reply -> Positions.fromJson(reply.body()));
  }

  /** Tells rooms that the caller's message {@code seq} is stored (head and sender's read position). */
  public Future<Void> appended(Caller caller, String conversationId, long seq) {
    return bus.request(RoomsAddresses.APPENDED, new Appended(conversationId, seq).toJson(), caller.deliveryOptions())
      .mapEmpty();
  }

  /** Tells rooms whom the caller's stored message mentions (for their unread-mention counts). */
  public Future<Void> mentioned(Caller caller, Mentioned mentioned) {
    return bus.request(RoomsAddresses.MENTIONED, mentioned.toJson(), caller.deliveryOptions()).mapEmpty();
  }

  /** Which of these users are members ({userId, username} each); the caller must be one. */
  public Future<List<JsonObject>> membersAmong(Caller caller, MembersAmong request) {
    return bus.<JsonObject>request(RoomsAddresses.MEMBERS_AMONG, request.toJson(), caller.deliveryOptions())
      .map(reply -> reply.body().getJsonArray("members").stream().map(m -> (JsonObject) m).toList());
  }

  /** Reports what the caller's connections were handed (conversation → highest seq), asked with a timeout of its own. */
  public Future<Void> delivered(Caller caller, Map<String, Long> seqByConversation, long timeoutMs) {
    return bus.request(RoomsAddresses.DELIVERED, new Positions(seqByConversation).toJson(),
      caller.deliveryOptions().setSendTimeout(timeoutMs)).mapEmpty();
  }

  /** Puts the newly registered caller in the tenant's general room, if one is configured; idempotent. */
  public Future<Void> welcome(Caller caller, long timeoutMs) {
    return bus.request(RoomsAddresses.WELCOME, new JsonObject(), caller.deliveryOptions().setSendTimeout(timeoutMs))
      .mapEmpty();
  }

  /** Of these users, those who share a conversation with the caller. */
  public Future<List<String>> contacts(Caller caller, List<String> userIds) {
    return bus.<JsonObject>request(RoomsAddresses.CONTACTS, new ContactsQuery(userIds).toJson(), caller.deliveryOptions())
      .map(reply -> reply.body().getJsonArray("userIds").stream().map(String::valueOf).toList());
  }

  /** The caller's conversations as clients see them, asked with a timeout of its own. */
  public Future<JsonArray> list(Caller caller, long timeoutMs) {
    return bus.<JsonObject>request(RoomsAddresses.LIST, new JsonObject(), caller.deliveryOptions().setSendTimeout(timeoutMs))
      .map(reply -> reply.body().getJsonArray("conversations"));
  }
}
