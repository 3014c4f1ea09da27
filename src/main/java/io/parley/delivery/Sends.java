package io.parley.delivery;

import io.micrometer.core.instrument.Counter;
import io.parley.attachments.api.Attachment;
import io.parley.attachments.api.ClaimAttachments;
import io.parley.common.Caller;
import io.parley.common.Meters;
import io.parley.delivery.api.SendMessage;
import io.parley.fanout.Channels;
import io.parley.fanout.EventFanout;
import io.parley.fanout.Events;
import io.parley.rooms.api.MembersAmong;
import io.parley.rooms.api.Membership;
import io.parley.rooms.api.Mentioned;
import io.parley.rooms.api.RoomsLimits;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * A send, from the member's request to the ack: mentions read, the thread's root found, the uploads it
 * names claimed, the message
 * appended (sequence, dedup), the head and the mention counts moved in rooms, the reply placed in its
 * thread — each step again for a resend, since the writer of the original may have died after any of
 * them — then published, with notices for the members it names and the thread's followers.
 */
final class Sends {

  private final MessageLog log;
  private final ThreadReplies replies;
  private final Conversations conversations;
  private final MessageFiles files;
  private final ConversationQueue queue;
  private final EventFanout fanout;
  private final FanoutWarnings warnings;
  private final Notices notices;
  private final boolean roomWideMentions;
  private final Counter stored = Counter.builder("parley_messages_stored")
    .description("messages durably stored (acks sent)").register(Meters.registry());

  Sends(MessageLog log, ThreadReplies replies, Conversations conversations, MessageFiles files, ConversationQueue queue,
        EventFanout fanout, FanoutWarnings warnings, boolean roomWideMentions) {
    this.log = log;
    this.replies = replies;
    this.conversations = conversations;
    this.files = files;
    this.queue = queue;
    this.fanout = fanout;
    this.warnings = warnings;
    this.notices = new Notices(fanout, warnings::failed);
    this.roomWideMentions = roomWideMentions;
  }

  /** Stores the message (once, whatever number of times it is sent) and answers it; {@code member} is the caller's membership. */
  Future<JsonObject> accept(Caller caller, SendMessage send, Membership member) {
    String conversationId = send.conversationId();
    Set<String> names = Mentions.names(send.text());
    Future<String> root = send.threadOf() == null ? Future.succeededFuture() : replies.rootOf(caller, conversationId, send.threadOf());
    List<String> usernames = Mentions.usernames(names);
    // Only the names the text gives are looked up: a room of any size costs the same.
    Future<List<JsonObject>> named = usernames.isEmpty() ? Future.succeededFuture(List.of())
      : conversations.membersAmong(caller, new MembersAmong(conversationId, List.of(), usernames));
    return Future.all(root, named)
      // The uploads become the message's once nothing else refuses it, just before it is stored (again for a
      // resend: the same message claims them again), so a send refused for its thread or mentions leaves them free.
      .compose(both -> claim(caller, send))
      .compose(attached -> {
        Mentions.Found mentions = Mentions.resolve(names, named.result(), roomWideMentions && RoomsLimits.ROOM.equals(member.type()));
        JsonObject fields = mentions.fields();
        if (root.result() != null) {
          fields.put("threadOf", root.result());
        }
        if (!attached.isEmpty()) {
          fields.put("attachments", new JsonArray(attached.stream().map(Attachment::toJson).toList()));
        }
        return queue.run(conversationId,
            () -> log.append(caller, conversationId, send.clientMsgId(), send.text(), fields, member.lastSeq()))
          // Also for a resend: the node that stored the original may have died before moving the head.
          .compose(appended -> conversations.appended(caller, conversationId, appended.message().getLong("seq")).map(appended))
          .compose(appended -> counted(caller, appended, mentions))
          .compose(appended -> placeInThread(appended, mentions))
          .map(placed -> announce(caller, placed, mentions));
      });
  }

  /**
   * The sender's uploads for the message, claimed only for a message not stored yet: a resend (whose
   * uploads its original holds, or which was deleted with them since) and a clientMsgId reused for another
   * text (refused by the append) claim nothing.
   */
  private Future<List<Attachment>> claim(Caller caller, SendMessage send) {
    if (send.attachments().isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return log.findByClientId(caller, send.conversationId(), send.clientMsgId()).compose(stored -> stored != null
      ? Future.succeededFuture(List.<Attachment>of())
      : files.claim(caller, new ClaimAttachments(send.conversationId(), send.clientMsgId(), send.attachments())));
  }

  /**
   * The mentioned members' unread-mention counts include the message before it is acknowledged (again for
   * a resend: a seq recorded twice counts once). {@code @here} is for whoever is there now: not counted.
   */
  private Future<MessageLog.Appended> counted(Caller caller, MessageLog.Appended appended, Mentions.Found mentions) {
    boolean all = Mentions.ALL.equals(mentions.broadcast());
    if (mentions.users().isEmpty() && !all) {
      return Future.succeededFuture(appended);
    }
    JsonObject message = appended.message();
    return conversations.mentioned(caller, new Mentioned(message.getString("conversationId"), message.getLong("seq"),
      mentions.userIds(), all)).map(appended);
  }

  /** A reply gets its place in its thread (again for a resend: the first writer may have died before). */
  private Future<Placed> placeInThread(MessageLog.Appended appended, Mentions.Found mentions) {
    JsonObject message = appended.message();
    if (message.getString("threadOf") == null) {
      return Future.succeededFuture(new Placed(appended, null));
    }
    return replies.place(message, mentions.userIds())
      .map(placed -> new Placed(new MessageLog.Appended(placed.reply(), appended.duplicate()), placed));
  }

  private record Placed(MessageLog.Appended appended, ThreadReplies.Placed thread) {
  }

  /**
   * Publishes a stored message to the conversation (again for a resend too: the node that stored the
   * original may have died before publishing it, and only a publish reaches the members connected now;
   * clients drop seqs they hold), then the mention and thread notices, once: a resend pings nobody again
   * (the message itself, and the unread-mentions count, are what a missed notice leaves). The store is the
   * truth: a failed publish only delays live delivery until the next sync.
   */
  private JsonObject announce(Caller caller, Placed placed, Mentions.Found mentions) {
    MessageLog.Appended appended = placed.appended();
    JsonObject message = MessageView.of(appended.message());
    String conversationId = message.getString("conversationId");
    fanout.publish(Channels.conversation(caller.tenant(), conversationId), Events.of(Events.MESSAGE, conversationId)
      .put("message", message)).onFailure(warnings::failed);
    if (!appended.duplicate()) {
      notices.mentioned(caller, message, mentions);
      if (placed.thread() != null) {
        // Followers may have left since they followed: only current members hear of the reply.
        List<String> followers = placed.thread().followers();
        conversations.membersAmong(caller, new MembersAmong(conversationId,
            followers.subList(0, Math.min(followers.size(), MembersAmong.MAX)), List.of()))
          .onSuccess(members -> notices.replied(caller, message, mentions, members))
          .onFailure(warnings::failed);
      }
      stored.increment();
    }
    return message.copy().put("duplicate", appended.duplicate());
  }
}
