package io.parley.delivery;

import io.parley.common.Caller;
import io.parley.fanout.Channels;
import io.parley.fanout.EventFanout;
import io.parley.fanout.Events;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Events for one user about a message of a conversation, on that user's own channel, so they arrive
 * whether or not the conversation is open or muted: a {@code mention} to each member the message names,
 * a {@code thread.reply} to each follower of its thread. Never to the sender. (@here and @all are told
 * by the message's {@code broadcast} itself, which reaches every member's connections.)
 */
final class Notices {

  private final EventFanout fanout;
  private final Consumer<Throwable> failed;

  Notices(EventFanout fanout, Consumer<Throwable> failed) {
    this.fanout = fanout;
    this.failed = failed;
  }

  /** A {@code mention} to each named member (the names were resolved against the members). */
  void mentioned(Caller sender, JsonObject message, Mentions.Found mentions) {
    for (String userId : mentions.userIds()) {
      notify(sender, userId, Events.of(Events.MENTION, message.getString("conversationId")).put("message", message));
    }
  }

  /** A {@code thread.reply} to each follower who is a member now, unless the reply names them (then it was a mention). */
  void replied(Caller sender, JsonObject message, Mentions.Found mentions, List<JsonObject> followers) {
    Set<String> named = new LinkedHashSet<>(mentions.userIds());
    for (JsonObject follower : followers) {
      String userId = follower.getString("userId");
      if (!named.contains(userId)) {
        notify(sender, userId, Events.of(Events.THREAD_REPLY, message.getString("conversationId"))
          .put("threadOf", message.getString("threadOf")).put("message", message));
      }
    }
  }

  private void notify(Caller sender, String userId, JsonObject event) {
    if (!userId.equals(sender.userId())) {
      fanout.publish(Channels.user(sender.tenant(), userId), event).onFailure(failed::accept);
    }
  }
}
