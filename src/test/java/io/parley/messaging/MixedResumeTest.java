package io.parley.messaging;

import io.parley.testing.BridgeClient;
import io.parley.testing.MixedTraffic;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 500 mixed events (messages, replies, edits, deletes, reactions on and off) after a client's position:
 * resuming through sync it gets each of them once, in order, and ends with exactly what the store holds;
 * a client connected throughout gets each of them live once, in order.
 */
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class MixedResumeTest {

  @RegisterExtension
  static final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  @Test
  void a_client_resuming_after_500_mixed_events_gets_each_once_and_ends_with_what_is_stored() throws Exception {
    Rest rest = node.rest();
    List<JsonObject> users = await(rest.numberedUsers("mixed", "m", 4));
    String room = await(rest.roomWithEveryone(users, "mixed"));
    MixedTraffic traffic = new MixedTraffic(rest, room, users.subList(0, 3), 42);
    await(traffic.run(60));
    BridgeClient watcher = await(node.online(users.get(0)));

    // The reader holds everything up to here, then goes away: its position is (seq N, changeSeq C).
    JsonObject reader = users.get(3);
    JsonObject position = await(rest.expect(200, "/sync", reader.getString("accessToken"), new JsonObject()))
      .getJsonObject("conversations").getJsonObject(room);
    Map<Long, JsonObject> held = new TreeMap<>(await(rest.allMessages(reader.getString("accessToken"), room)));
    long seq = held.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
    long changeSeq = position.getLong("changeSeq");
    int sentBefore = traffic.sent();
    int changesBefore = traffic.changes();

    await(traffic.run(500));
    int newMessages = traffic.sent() - sentBefore;
    int newChanges = traffic.changes() - changesBefore;
    System.out.printf("MIXED RESUME: 500 steps after (seq %d, changeSeq %d): %d messages, %d changes%n", seq, changeSeq,
      newMessages, newChanges);

    // Resume: sync from (N, C) until nothing more; every message seq and every changeSeq at most once, in order.
    List<Long> seqs = new ArrayList<>();
    List<Long> changeSeqs = new ArrayList<>();
    int changesOfHeld = 0;
    long heldUpTo = seq;
    while (true) {
      JsonObject page = await(rest.expect(200, "/sync", reader.getString("accessToken"), new JsonObject().put("positions",
        new JsonObject().put(room, new JsonObject().put("seq", seq).put("changeSeq", changeSeq))))).getJsonObject("conversations")
        .getJsonObject(room);
      for (Object o : page.getJsonArray("changes")) {
        JsonObject change = (JsonObject) o;
        JsonObject message = change.getJsonObject("message");
        assertTrue(message.getLong("seq") <= seq, "a change never comes before its message: " + change.encode());
        changeSeqs.add(change.getLong("changeSeq"));
        changesOfHeld += message.getLong("seq") <= heldUpTo ? 1 : 0;
        held.put(message.getLong("seq"), message);
      }
      for (Object o : page.getJsonArray("messages")) {
        JsonObject message = (JsonObject) o;
        seqs.add(message.getLong("seq"));
        held.put(message.getLong("seq"), message);
        seq = Math.max(seq, message.getLong("seq"));
      }
      changeSeq = page.getLong("changeSeq");
      if (!page.getBoolean("hasMore") && !page.getBoolean("changesHaveMore")) {
        break;
      }
    }
    long firstNew = heldUpTo + 1;
    assertEquals(LongStream.range(firstNew, firstNew + newMessages).boxed().toList(), seqs, "each new message once, in order");
    assertEquals(changeSeqs.stream().sorted().distinct().toList(), changeSeqs, "each change at most once, in order");
    assertEquals(changesBefore + newChanges, changeSeq, "the position ends at the last change");
    // As PROTOCOL tells clients: a reply moves its root's replyCount and lastReplyAt (the root is not re-sent).
    for (JsonObject message : new ArrayList<>(held.values())) {
      if (message.getString("threadOf") != null && message.getLong("seq") > heldUpTo) {
        JsonObject root = held.get(Long.parseLong(message.getString("threadOf").substring(room.length() + 1)));
        root.put("replyCount", Math.max(root.getLong("replyCount", 0L), message.getLong("threadSeq")));
        root.put("lastReplyAt", Math.max(root.getLong("lastReplyAt", 0L), message.getLong("createdAt")));
      }
    }
    Map<Long, JsonObject> stored = await(rest.allMessages(reader.getString("accessToken"), room));
    List<String> differ = stored.keySet().stream().filter(s -> !stored.get(s).equals(held.get(s)))
      .map(s -> "store " + stored.get(s).encode() + " client " + held.get(s)).limit(3).toList();
    assertEquals(stored.keySet(), held.keySet());
    assertEquals(List.of(), differ, "after applying what sync gave, the client holds exactly what the store holds");
    System.out.printf("MIXED RESUME: resumed with %d messages (seq %d..%d) and %d changes (%d of them to messages it held)%n",
      seqs.size(), firstNew, seq, changeSeqs.size(), changesOfHeld);

    // Live: a member connected throughout got each new message once and each change once, in changeSeq order.
    List<JsonObject> messages = await(watcher.awaitEvents(e -> "message".equals(e.getString("type")), newMessages));
    List<JsonObject> changes = await(watcher.awaitEvents(e -> "message.changed".equals(e.getString("type")), newChanges));
    assertEquals(LongStream.range(firstNew, firstNew + newMessages).boxed().toList(),
      messages.stream().map(e -> e.getJsonObject("message").getLong("seq")).toList());
    assertEquals(LongStream.rangeClosed(changesBefore + 1, changesBefore + newChanges).boxed().toList(),
      changes.stream().map(e -> e.getLong("changeSeq")).toList());
  }
}
