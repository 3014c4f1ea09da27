package io.parley.delivery;

import io.parley.common.Caller;
import io.parley.delivery.api.SyncPosition;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Catch-up after time away: per conversation, the messages after a position and the changes after another. */
final class CatchUp {

  private final MessageLog log;
  private final ChangeLog changes;
  private final Conversations conversations;
  private final int batch;

  CatchUp(MessageLog log, ChangeLog changes, Conversations conversations, int batch) {
    this.log = log;
    this.changes = changes;
    this.conversations = conversations;
    this.batch = batch;
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
        return Pages.page(messages.result(), batch, true)
          .put("changes", changeViews).put("changeSeq", changeSeq).put("changesHaveMore", changesHaveMore);
      });
    });
  }
}
