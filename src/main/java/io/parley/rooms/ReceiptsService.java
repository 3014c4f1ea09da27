package io.parley.rooms;

import io.parley.common.Caller;
import io.parley.common.Failure;
import io.parley.delivery.api.DeliveryError;
import io.parley.delivery.api.MessageRef;
import io.parley.rooms.api.Receipts;
import io.parley.rooms.api.ReceiptSettings;
import io.parley.rooms.api.RoomsError;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * Delivered and read receipts, computed from the members' positions rather than stored per message and
 * member: a conversation has at most {@code limits.members_max} members, so counting them for one message
 * is one list lookup and one {@code $in} of their membership ids, and a receipt costs no write per message.
 */
final class ReceiptsService {

  private final Access access;
  private final MembershipStore memberships;
  private final DeliveredAnnouncements announcements;
  private final ReceiptSettings settings;
  private final int membersMax;

  ReceiptsService(ConversationStore conversations, MembershipStore memberships, DeliveredAnnouncements announcements, ReceiptSettings settings,
                  int membersMax) {
    this.access = new Access(conversations, memberships);
    this.memberships = memberships;
    this.announcements = announcements;
    this.settings = settings;
    this.membersMax = membersMax;
  }

  /**
   * The caller's connections were handed messages up to these seqs: the delivered positions move there and
   * the members hear of each that moved (gathered per conversation: {@link DeliveredAnnouncements}). Not recorded where the tenant has receipts off (nobody may see it,
   * and a read still implies delivery for the caller's own use).
   */
  Future<Void> delivered(Caller caller, Map<String, Long> seqs) {
    if (seqs.isEmpty() || !settings.on(caller.tenant())) {
      return Future.succeededFuture();
    }
    return memberships.deliver(caller.tenant(), caller.userId(), seqs)
      .map(moved -> {
        moved.forEach((conversationId, seq) -> announcements.moved(caller.tenant(), conversationId, caller.userId(), seq));
        return null;
      });
  }

  /**
   * Of the members other than the caller (for the sender of the message: everyone else), how many have it
   * delivered and read. A message of another tenant, of a conversation the caller is not in, or beyond the
   * head answers MESSAGE_NOT_FOUND, as edits and deletes do, so ids cannot be probed.
   */
  Future<Receipts> of(Caller caller, MessageRef message) {
    if (!settings.on(caller.tenant())) {
      return Failure.fail(RoomsError.RECEIPTS_DISABLED, "receipts are off in this tenant");
    }
    return access.memberOf(caller, message.conversationId())
      .recover(err -> err instanceof Failure failure && (failure.error() == RoomsError.CONVERSATION_NOT_FOUND
        || failure.error() == RoomsError.NOT_A_MEMBER) ? notFound(message) : Future.failedFuture(err))
      .compose(context -> message.seq() > context.lastSeq() ? notFound(message)
        : memberships.ofConversation(caller.tenant(), message.conversationId(), membersMax))
      .map(members -> count(caller, message, members));
  }

  private static Receipts count(Caller caller, MessageRef message, List<JsonObject> members) {
    List<JsonObject> others = members.stream().filter(m -> !caller.userId().equals(m.getString("userId"))).toList();
    int delivered = (int) others.stream().filter(m -> MembershipStore.deliveredSeq(m) >= message.seq()).count();
    int read = (int) others.stream().filter(m -> m.getLong("readSeq", 0L) >= message.seq()).count();
    return new Receipts(message.id(), delivered, read, others.size());
  }

  private static <T> Future<T> notFound(MessageRef message) {
    return Failure.fail(DeliveryError.MESSAGE_NOT_FOUND, "no message " + message.id());
  }
}
