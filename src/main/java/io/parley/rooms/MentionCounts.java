package io.parley.rooms;

import io.parley.common.Caller;
import io.parley.rooms.api.Mentioned;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Unread mentions per member and conversation, counted from positions rather than kept as counters: each
 * membership keeps the seqs of the last {@link #KEPT} messages that named the member, the conversation the
 * seqs of its last {@code @all}s; unread are those after the member's read position. Recording a seq twice
 * (a resend) counts once, and reading moves the count with no extra write.
 */
final class MentionCounts {

  /** Seqs kept per member and per conversation; more unread mentions than this show as this many. */
  static final int KEPT = 100;

  private final Access access;
  private final MembershipStore memberships;
  private final ConversationStore conversations;

  MentionCounts(Access access, MembershipStore memberships, ConversationStore conversations) {
    this.access = access;
    this.memberships = memberships;
    this.conversations = conversations;
  }

  /** Records the mentions of the caller's stored message; only a member's message counts, and never for its sender. */
  Future<Void> mentioned(Caller caller, Mentioned mentioned) {
    String id = mentioned.conversationId();
    return access.memberOf(caller, id).compose(member -> {
      List<String> named = mentioned.userIds().stream().filter(userId -> !userId.equals(caller.userId())).toList();
      Future<Void> members = memberships.pushMentions(id, named, mentioned.seq(), KEPT);
      Future<Void> everyone = mentioned.all() ? conversations.pushBroadcast(id, mentioned.seq(), KEPT) : Future.succeededFuture();
      return Future.all(members, everyone).mapEmpty();
    });
  }

  /** Mentions of the member after {@code readSeq}: named ones and the conversation's @all, each message once. */
  static long unread(JsonObject conversation, JsonObject membership, long readSeq) {
    Set<Long> seqs = new TreeSet<>();
    for (JsonArray kept : new JsonArray[] {membership.getJsonArray("mentionSeqs"), conversation.getJsonArray("broadcastSeqs")}) {
      if (kept != null) {
        kept.forEach(seq -> seqs.add(((Number) seq).longValue()));
      }
    }
    return seqs.stream().filter(seq -> seq > readSeq).count();
  }
}
