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
import io.parley.delivery.api.ThreadPage;
import io.parley.fanout.Channels;
import io.parley.fanout.EventFanout;
import io.parley.fanout.Events;
import io.parley.rooms.api.Membership;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * The rules of messages: who may send ({@link Sends} does the rest), changes (edits, deletes, reactions:
 * {@link ChangeLog}), history and thread pages, catch-up ({@link CatchUp}); the membership cache they share.
 */
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
  private final Sends sends;
  private final CatchUp catchUp;
  private final Map<String, Counter> changed = new HashMap<>();
  private boolean cacheInEffect;
  private int sending;

  DeliveryService(MessageLog log, ChangeLog changes, ThreadReplies replies, Conversations conversations, MessageFiles files,
                  EventFanout fanout, DeliveryLimits limits, boolean roomWideMentions, Clock clock) {
    this.log = log;
    this.replies = replies;
    this.changes = changes;
    this.conversations = conversations;
    this.fanout = fanout;
    this.limits = limits;
    this.warnings = new FanoutWarnings(clock);
    this.members = new MembershipCache(clock);
    this.sends = new Sends(log, replies, conversations, files, queue, fanout, warnings, roomWideMentions);
    this.catchUp = new CatchUp(log, changes, conversations, limits.syncBatch());
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
    return membership(caller, send.conversationId()).compose(member -> sends.accept(caller, send, member))
      .onComplete(ar -> sending--);
  }

  /** What the caller missed in each of its conversations (see {@link CatchUp}). */
  Future<JsonObject> sync(Caller caller, JsonObject claimed) {
    return catchUp.sync(caller, claimed);
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
      String kind = changed.change().getString("kind");
      this.changed.computeIfAbsent(kind, k -> Counter.builder("parley_message_changes").description("changes stored, by kind")
        .tag("kind", k).register(Meters.registry())).increment();
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
    }).compose(root -> root == null ? Failure.<JsonObject>fail(DeliveryError.MESSAGE_NOT_FOUND, "no message " + ref.id())
      : replies.replies(caller.tenant(), root, request.after(), request.before(), request.limit() + 1)
      .map(found -> Pages.page(found, request.limit(), request.forward()).put("parent", MessageView.of(root))));
  }

  Future<JsonObject> history(Caller caller, HistoryPage request) {
    return membership(caller, request.conversationId())
      .compose(member -> log.page(caller.tenant(), request.conversationId(), request.after(), request.before(),
        request.limit() + 1, member.lastSeq()))
      .map(found -> Pages.page(found, request.limit(), request.forward()));
  }
}
