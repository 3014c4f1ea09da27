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
 * whether or not the conversation is open or muted: a {@code mention}, a {@code thread.reply} to a
 * thread they follow. Only current members get them; never the sender.
 */
final class Notices {

  private final EventFanout fanout;
  private final Consumer<Throwable> failed;

  Notices(EventFanout fanout, Consumer<Throwable> failed) {
    this.fanout = fanout;
    this.failed = failed;
  }

  /**
   * @param members the conversation's members ({userId, …}) as rooms lists them now
   * @param followers ids following the message's thread (empty for a message outside threads)
   */
  void announce(Caller sender, JsonObject message, Mentions.Found mentions, List<JsonObject> members, List<String> followers) {
    Set<String> memberIds = new LinkedHashSet<>();
    members.forEach(m -> memberIds.add(m.getString("userId")));
    Set<String> mentioned = new LinkedHashSet<>();
    if (mentions.broadcast() != null) {
      mentioned.addAll(memberIds);
    } else {
      mentions.users().forEach(u -> mentioned.add(((JsonObject) u).getString("userId")));
    }
    String conversationId = message.getString("conversationId");
    for (String userId : mentioned) {
      notify(sender, userId, memberIds, Events.of(Events.MENTION, conversationId).put("message", message));
    }
    for (String userId : followers) {
      if (!mentioned.contains(userId)) {
        notify(sender, userId, memberIds, Events.of(Events.THREAD_REPLY, conversationId)
          .put("threadOf", message.getString("threadOf")).put("message", message));
      }
    }
  }

  private void notify(Caller sender, String userId, Set<String> memberIds, JsonObject event) {
    if (!userId.equals(sender.userId()) && memberIds.contains(userId)) {
      fanout.publish(Channels.user(sender.tenant(), userId), event).onFailure(failed::accept);
    }
  }
}
