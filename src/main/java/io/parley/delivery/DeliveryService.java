package io.parley.delivery;

import io.micrometer.core.instrument.Counter;
import io.parley.common.Caller;
import io.parley.common.CommonError;
import io.parley.common.Failure;
import io.parley.common.Meters;
import io.parley.delivery.api.DeleteMessage;
import io.parley.delivery.api.DeliveryError;
import io.parley.delivery.api.DeliveryLimits;
import io.parley.delivery.api.EditMessage;
import io.parley.delivery.api.HistoryPage;
import io.parley.delivery.api.MessageRef;
import io.parley.delivery.api.React;
import io.parley.delivery.api.SendMessage;
import io.parley.delivery.api.SyncPosition;
import io.parley.delivery.api.ThreadPage;
import io.parley.fanout.Channels;
import io.parley.fanout.EventFanout;
import io.parley.fanout.Events;
import io.parley.rooms.api.MembersAmong;
import io.parley.rooms.api.Membership;
import io.parley.rooms.api.Mentioned;
import io.parley.rooms.api.RoomsLimits;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The rules of messages: sends (sequence, dedup, durable ack, fan-out), changes (edits, deletes, reactions), history pages and catch-up. */
final class DeliveryService {

  private final MessageLog log;
  private final ChangeLog changes;
  private final Conversations conversations;
  private final EventFanout fanout;
  private final DeliveryLimits limits;
  private final ConversationQueue queue = new ConversationQueue(MongoErrors::isUnavailable);
  private final FanoutWarnings warnings;
  private final MembershipCache members;
  private final ThreadReplies replies;
  private final Notices notices;
  private final boolean roomWideMentions;
  private boolean cacheInEffect;
  private int sending;
  private final Counter stored = Counter.builder("parley_messages_stored")
    .description("messages durably stored (acks sent)").register(Meters.registry());

  DeliveryService(MessageLog log, ChangeLog changes, ThreadReplies replies, Conversations conversations, EventFanout fanout,
                  DeliveryLimits limits, boolean roomWideMentions, Clock clock) {
    this.log = log;
    this.replies = replies;
    this.roomWideMentions = roomWideMentions;
    this.changes = changes;
    this.conversations = conversations;
    this.fanout = fanout;
    this.limits = limits;
    this.warnings = new FanoutWarnings(clock);
    this.members = new MembershipCache(clock);
    this.notices = new Notices(fanout, warnings::failed);
  }

  /**
   * Keeps the membership cache right: rooms announces removals, and after a fan-out gap nothing cached
   * is trusted. The cache is used only once that subscription is in effect (not waited for: delivery
   * serves from rooms meanwhile, e.g. while Redis is unreachable at start).
   */
  void followMembershipRemovals() {
    fanout.onEvent((channel, event) -> {
      if (Events.MEMBERSHIP_REMOVED.equals(event.getString("type"))) {
        members.removed(event.getString("conversationId"), event.getString("userId"));
      }
    });
    fanout.onGap(members::clear);
    fanout.subscribe(Channels.membershipRemovals()).onSuccess(v -> cacheInEffect = true);
  }

  /** The caller's membership: from the cache, else from rooms (and then cached). */
  private Future<Membership> membership(Caller caller, String conversationId) {
    Membership cached = cacheInEffect ? members.get(caller.tenant(), conversationId, caller.userId()) : null;
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return conversations.membership(caller, conversationId).onSuccess(found -> {
      if (cacheInEffect) {
        members.put(caller.tenant(), conversationId, caller.userId(), found);
      }
    });
  }

  Future<Void> ensureIndexes() {
    return log.ensureIndexes().compose(v -> changes.ensureIndexes());
  }

  /** Conversations with an append in progress here; shutdown waits for them. */
  int appending() {
    return queue.inFlight();
  }

  /** Answers once the message is durably stored; a resent clientMsgId answers the stored one, flagged duplicate. */
  Future<JsonObject> send(Caller caller, SendMessage send) {
    if (sending >= limits.sendsInFlight()) {
      // Past saturation a send is answered at once, never left to queue: memory stays bounded and the
      // client knows to resend (same clientMsgId, so nothing is stored twice).
      return Failure.fail(CommonError.SERVICE_UNAVAILABLE, "too many sends in progress; resend with the same clientMsgId");
    }
    sending++;
    return accept(caller, send).onComplete(ar -> sending--);
  }

  private Future<JsonObject> accept(Caller caller, SendMessage send) {
    String conversationId = send.conversationId();
    Set<String> names = Mentions.names(send.text());
    return membership(caller, conversationId).compose(member -> {
      Future<String> root = send.threadOf() == null ? Future.succeededFuture() : replies.rootOf(caller, conversationId, send.threadOf());
      List<String> usernames = Mentions.usernames(names);
      // Only the names the text gives are looked up: a room of any size costs the same.
      Future<List<JsonObject>> named = usernames.isEmpty() ? Future.succeededFuture(List.of())
        : conversations.membersAmong(caller, new MembersAmong(conversationId, List.of(), usernames));
      return Future.all(root, named).compose(both -> {
        Mentions.Found mentions = Mentions.resolve(names, named.result(), roomWideMentions && RoomsLimits.ROOM.equals(member.type()));
        JsonObject fields = mentions.fields();
        if (root.result() != null) {
          fields.put("threadOf", root.result());
        }
        return queue.run(conversationId,
            () -> log.append(caller, conversationId, send.clientMsgId(), send.text(), fields, member.lastSeq()))
          // Also for a resend: the node that stored the original may have died before moving the head.
          .compose(appended -> conversations.appended(caller, conversationId, appended.message().getLong("seq")).map(appended))
          .compose(appended -> counted(caller, appended, mentions))
          .compose(appended -> placeInThread(appended, mentions))
          .map(placed -> announce(caller, placed, mentions));
      });
    });
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
    return replies.place(message, mentions.userIds()).map(placed -> new Placed(new MessageLog.Appended(placed.reply(), appended.duplicate()), placed));
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
    }
    if (!appended.duplicate()) {
      stored.increment();
    }
    return message.copy().put("duplicate", appended.duplicate());
  }

  /** The author's new text for a message; answered once stored, with the message in its new state. */
  Future<JsonObject> edit(Caller caller, EditMessage edit) {
    MessageRef ref = edit.message();
    return memberOf(caller, ref)
      .compose(member -> queue.run(changesOf(ref), () -> changes.edit(caller, ref, edit.text(), edit.clientChangeId())))
      .map(changed -> announce(caller, changed));
  }

  /** Deletes a message (the author's, or any for the conversation's owner); answered with the tombstone. */
  Future<JsonObject> delete(Caller caller, DeleteMessage delete) {
    MessageRef ref = delete.message();
    return memberOf(caller, ref)
      .compose(member -> queue.run(changesOf(ref), () -> changes.delete(caller, ref, delete.clientChangeId(), member.owner())))
      .map(changed -> announce(caller, changed));
  }

  /** The caller's emoji added to a message ({@code add}) or taken off; answered with the message's reactions. */
  Future<JsonObject> react(Caller caller, React react, boolean add) {
    MessageRef ref = react.message();
    return memberOf(caller, ref)
      .compose(member -> queue.run(changesOf(ref), () -> changes.react(caller, ref, react.emoji(), add)))
      .map(changed -> announce(caller, changed));
  }

  /** A message of a conversation the caller is not in answers like one that does not exist. */
  private Future<Membership> memberOf(Caller caller, MessageRef ref) {
    return membership(caller, ref.conversationId()).recover(err -> Conversations.notMember(err)
      ? Failure.fail(DeliveryError.MESSAGE_NOT_FOUND, "no message " + ref.id())
      : Future.failedFuture(err));
  }

  /** Changes of one conversation take their turn here, beside (not behind) its sends. */
  private static String changesOf(MessageRef ref) {
    return "changes:" + ref.conversationId();
  }

  /**
   * Publishes the change to the conversation's members (again for a resend, as sends do: the node that
   * stored it may have died before publishing) and answers with the message's new state.
   */
  private JsonObject announce(Caller caller, ChangeLog.Changed changed) {
    JsonObject message = MessageView.of(changed.message());
    if (changed.change() != null) {
      String conversationId = message.getString("conversationId");
      fanout.publish(Channels.conversation(caller.tenant(), conversationId), Events.of(Events.MESSAGE_CHANGED, conversationId)
        .mergeIn(ChangeView.of(changed.change(), changed.message()))).onFailure(warnings::failed);
    }
    return message.copy().put("duplicate", changed.duplicate());
  }

  /** A thread: its root ({@code parent}) and a page of its replies in threadSeq order. */
  Future<JsonObject> thread(Caller caller, ThreadPage request) {
    MessageRef ref = request.message();
    return memberOf(caller, ref).compose(member -> log.find(caller.tenant(), ref.conversationId(), ref.seq())).compose(found -> {
      if (found == null) {
        return Failure.<JsonObject>fail(DeliveryError.MESSAGE_NOT_FOUND, "no message " + ref.id());
      }
      String rootId = found.getString("threadOf");
      return rootId == null ? Future.succeededFuture(found) : log.find(caller.tenant(), ref.conversationId(), MessageRef.parse(rootId).seq());
    }).compose(root -> replies.replies(caller.tenant(), root, request.after(), request.before(), request.limit() + 1)
      .map(found -> page(found, request.limit(), request.forward()).put("parent", MessageView.of(root))));
  }

  Future<JsonObject> history(Caller caller, HistoryPage request) {
    return membership(caller, request.conversationId())
      .compose(member -> log.page(caller.tenant(), request.conversationId(), request.after(), request.before(),
        request.limit() + 1, member.lastSeq()))
      .map(found -> page(found, request.limit(), request.forward()));
  }

  /**
   * What the caller missed in each of its conversations: the messages after the seq the client claims to
   * hold (else after its read position), in their latest state, and the changes after the changeSeq it
   * holds that touch messages at or below that seq (later messages come in their latest state already).
   * Only the caller's own conversations count, whatever ids it names.
   */
  Future<JsonObject> sync(Caller caller, JsonObject claimed) {
    return conversations.positions(caller).compose(positions -> {
      List<String> ids = new ArrayList<>(positions.seqByConversation().keySet());
      List<Future<JsonObject>> pages = new ArrayList<>();
      for (String id : ids) {
        long readSeq = positions.seqByConversation().get(id);
        pages.add(catchUp(caller.tenant(), id, SyncPosition.of(claimed.getValue(id), readSeq))
          .map(page -> page.put("readSeq", readSeq)));
      }
      return Future.all(pages).map(all -> {
        JsonObject byConversation = new JsonObject();
        for (int i = 0; i < ids.size(); i++) {
          byConversation.put(ids.get(i), pages.get(i).result());
        }
        return new JsonObject().put("conversations", byConversation);
      });
    });
  }

  /**
   * Changes are read before messages: a change stored after that read has a later changeSeq than the
   * answer's and comes in the next sync (or live), and one stored before it is in the messages read after.
   */
  private Future<JsonObject> catchUp(String tenant, String conversationId, SyncPosition from) {
    int batch = limits.syncBatch();
    return changes.page(tenant, conversationId, from.changeSeq(), batch + 1).compose(found -> {
      boolean changesHaveMore = found.size() > batch;
      List<JsonObject> seen = changesHaveMore ? found.subList(0, batch) : found;
      long changeSeq = seen.isEmpty() ? from.changeSeq() : seen.get(seen.size() - 1).getLong("changeSeq");
      List<JsonObject> held = seen.stream().filter(change -> change.getLong("seq") <= from.seq()).toList();
      Future<List<JsonObject>> messages = log.page(tenant, conversationId, from.seq(), -1, batch + 1, 0);
      Future<List<JsonObject>> changed = log.bySeqs(tenant, conversationId, held.stream().map(c -> c.getLong("seq")).toList());
      return Future.all(messages, changed).map(both -> {
        Map<Long, JsonObject> states = new HashMap<>();
        changed.result().forEach(state -> states.put(state.getLong("seq"), state));
        JsonArray changeViews = new JsonArray();
        for (JsonObject change : held) {
          JsonObject state = states.get(change.getLong("seq"));
          if (state != null) {
            changeViews.add(ChangeView.of(change, state));
          }
        }
        return page(messages.result(), batch, true)
          .put("changes", changeViews).put("changeSeq", changeSeq).put("changesHaveMore", changesHaveMore);
      });
    });
  }

  /** Trims the one-extra lookahead row; it only tells whether there is more in the paging direction. */
  private static JsonObject page(List<JsonObject> found, int limit, boolean forward) {
    boolean hasMore = found.size() > limit;
    List<JsonObject> kept = !hasMore ? found : forward ? found.subList(0, limit) : found.subList(found.size() - limit, found.size());
    return new JsonObject()
      .put("messages", new JsonArray(kept.stream().map(MessageView::of).toList()))
      .put("hasMore", hasMore);
  }
}
