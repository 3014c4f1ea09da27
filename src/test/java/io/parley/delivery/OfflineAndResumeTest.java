package io.parley.delivery;

import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfTwo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a client that was away gets: offline messages through sync from its read position, a resumed
 * connection through sync from its own last seen seq, bounded batches continued by history paging,
 * and history pages in both directions.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class OfflineAndResumeTest {

  private static final String SYNC = "parley.delivery.sync";

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess().manual();

  private RoomOfTwo chat;

  @Test
  void a_member_who_was_offline_gets_the_missed_messages_through_sync(VertxTestContext ctx) {
    given(new JsonObject())
      .compose(v -> sendSeries(1, 5))
      .compose(v -> node.online(chat.bob()))
      .compose(bobTab -> bobTab.request(SYNC, new JsonObject()))
      .map(sync -> {
        ctx.verify(() -> {
          JsonObject conversations = sync.getJsonObject("conversations");
          assertEquals(Set.of(chat.roomId()), conversations.fieldNames(), "bob's only conversation");
          JsonObject missed = conversations.getJsonObject(chat.roomId());
          assertEquals(0L, missed.getLong("readSeq"), "bob never read anything");
          assertEquals(List.of(1L, 2L, 3L, 4L, 5L), seqs(missed.getJsonArray("messages")));
          assertFalse(missed.getBoolean("hasMore"));
          JsonArray messages = missed.getJsonArray("messages");
          for (int i = 0; i < messages.size(); i++) {
            JsonObject message = messages.getJsonObject(i);
            assertEquals("text " + (i + 1), message.getString("text"));
            assertEquals(chat.alice().getString("userId"), message.getString("senderId"));
            assertEquals(chat.roomId(), message.getString("conversationId"));
          }
        });
        return sync;
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void a_resumed_connection_syncs_from_its_last_seen_seq_and_misses_nothing(VertxTestContext ctx) {
    given(new JsonObject())
      .compose(v -> node.online(chat.bob()))
      .compose(firstConnection -> sendSeries(1, 3)
        .compose(v -> firstConnection.awaitMessages(chat.roomId(), 3))
        .compose(live -> firstConnection.close().map(v -> liveSeqs(live))))
      .compose(firstLive -> sendSeries(4, 7)
        .compose(v -> node.online(chat.bob()))
        .compose(secondConnection -> secondConnection.request(SYNC,
              new JsonObject().put("positions", new JsonObject().put(chat.roomId(), 3)))
          // Anything the new connection receives live meanwhile counts too.
          .compose(sync -> node.vertx().timer(300).map(t -> {
            ctx.verify(() -> {
              assertEquals(List.of(1L, 2L, 3L), firstLive, "live on the first connection");
              JsonObject resumed = sync.getJsonObject("conversations").getJsonObject(chat.roomId());
              assertNotNull(resumed, "sync names the room: " + sync.encode());
              List<Long> synced = seqs(resumed.getJsonArray("messages"));
              assertEquals(List.of(4L, 5L, 6L, 7L), synced, "exactly what was missed, nothing before");
              assertFalse(resumed.getBoolean("hasMore"));

              List<Long> secondLive = liveSeqs(secondConnection.events());
              assertTrue(secondLive.stream().allMatch(seq -> seq > 3), "no replay of seen messages: " + secondLive);
              TreeMap<Long, Integer> copies = new TreeMap<>();
              for (List<Long> source : List.of(firstLive, synced, secondLive)) {
                // De-duplicated by seq within each source, as a client does.
                source.stream().distinct().forEach(seq -> copies.merge(seq, 1, Integer::sum));
              }
              List<Long> all = new ArrayList<>(copies.keySet());
              assertEquals(LongStream.rangeClosed(1, 7).boxed().toList(), all, "every seq 1..7 reached bob");
              List<Long> fromStore = new ArrayList<>(firstLive);
              fromStore.addAll(synced);
              assertEquals(LongStream.rangeClosed(1, 7).boxed().toList(), fromStore,
                "live before the gap plus sync after it is every seq exactly once");
            });
            return sync;
          }))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void a_bounded_sync_batch_is_continued_by_paging_history(VertxTestContext ctx) {
    String[] bobToken = new String[1];
    given(new JsonObject().put("limits", new JsonObject().put("sync_batch", 5)))
      .compose(v -> sendSeries(1, 12))
      .compose(v -> {
        bobToken[0] = chat.bob().getString("accessToken");
        return node.online(chat.bob());
      })
      .compose(bobTab -> bobTab.request(SYNC, new JsonObject()))
      .compose(sync -> {
        JsonObject batch = sync.getJsonObject("conversations").getJsonObject(chat.roomId());
        List<Long> first = seqs(batch.getJsonArray("messages"));
        ctx.verify(() -> {
          assertEquals(List.of(1L, 2L, 3L, 4L, 5L), first, "the first bounded batch");
          assertTrue(batch.getBoolean("hasMore"), "12 missed, 5 given");
        });
        return page(bobToken[0], first.get(first.size() - 1)).compose(second -> {
          List<Long> secondSeqs = seqs(second.getJsonArray("messages"));
          ctx.verify(() -> {
            assertEquals(List.of(6L, 7L, 8L, 9L, 10L), secondSeqs);
            assertTrue(second.getBoolean("hasMore"));
          });
          return page(bobToken[0], secondSeqs.get(secondSeqs.size() - 1));
        }).map(third -> {
          ctx.verify(() -> {
            assertEquals(List.of(11L, 12L), seqs(third.getJsonArray("messages")));
            assertFalse(third.getBoolean("hasMore"), "caught up");
          });
          return third;
        });
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  /** Changes are bounded per sync answer like messages: changesHaveMore, and the next sync from the new changeSeq goes on. */
  @Test
  void a_bounded_batch_of_changes_is_continued_by_syncing_from_the_new_change_position(VertxTestContext ctx) {
    String[] token = new String[1];
    given(new JsonObject().put("limits", new JsonObject().put("sync_batch", 2)))
      .compose(v -> sendSeries(1, 3))
      .compose(v -> {
        token[0] = chat.alice().getString("accessToken");
        Future<Void> edits = Future.succeededFuture();
        for (int seq = 1; seq <= 3; seq++) {
          String id = chat.roomId() + ":" + seq;
          edits = edits.compose(x -> node.rest().call(io.vertx.core.http.HttpMethod.PUT, "/messages/" + id, token[0],
            new JsonObject().put("text", "edited " + id)).compose(response -> io.parley.testing.Rest.check(response, 200)).mapEmpty());
        }
        return edits;
      })
      .compose(v -> syncChanges(chat.bob().getString("accessToken"), 3, 0))
      .compose(first -> {
        ctx.verify(() -> {
          assertEquals(List.of(1L, 2L), changeSeqs(first.getJsonArray("changes")));
          assertEquals(2L, first.getLong("changeSeq"));
          assertTrue(first.getBoolean("changesHaveMore"));
        });
        return syncChanges(chat.bob().getString("accessToken"), 3, first.getLong("changeSeq"));
      })
      .map(second -> {
        ctx.verify(() -> {
          assertEquals(List.of(3L), changeSeqs(second.getJsonArray("changes")));
          assertEquals(3L, second.getLong("changeSeq"));
          assertFalse(second.getBoolean("changesHaveMore"));
          assertEquals("edited " + chat.roomId() + ":3", second.getJsonArray("changes").getJsonObject(0).getJsonObject("message").getString("text"));
        });
        return second;
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  private Future<JsonObject> syncChanges(String token, long seq, long changeSeq) {
    return node.rest().expect(200, "/sync", token, new JsonObject().put("positions", new JsonObject()
        .put(chat.roomId(), new JsonObject().put("seq", seq).put("changeSeq", changeSeq))))
      .map(sync -> sync.getJsonObject("conversations").getJsonObject(chat.roomId()));
  }

  private static List<Long> changeSeqs(JsonArray changes) {
    List<Long> seqs = new ArrayList<>();
    for (int i = 0; i < changes.size(); i++) {
      seqs.add(changes.getJsonObject(i).getLong("changeSeq"));
    }
    return seqs;
  }

  @Test
  void history_pages_backwards_from_the_newest_and_forwards_from_a_cursor(VertxTestContext ctx) {
    given(new JsonObject())
      .compose(v -> sendSeries(1, 25))
      .compose(v -> {
        String token = chat.bob().getString("accessToken");
        return Future.all(
            node.rest().history(token, chat.roomId(), "limit=10"),
            node.rest().history(token, chat.roomId(), "before=16&limit=10"),
            node.rest().history(token, chat.roomId(), "before=6&limit=10"),
            node.rest().history(token, chat.roomId(), "after=20"),
            node.rest().history(token, chat.roomId(), "after=20&limit=5"),
            node.rest().history(token, chat.roomId(), "after=25"))
          .map(pages -> {
            ctx.verify(() -> {
              JsonObject newest = pages.resultAt(0);
              assertEquals(range(16, 25), seqs(newest.getJsonArray("messages")), "newest page, ascending");
              assertTrue(newest.getBoolean("hasMore"));
              JsonObject older = pages.resultAt(1);
              assertEquals(range(6, 15), seqs(older.getJsonArray("messages")));
              assertTrue(older.getBoolean("hasMore"));
              JsonObject oldest = pages.resultAt(2);
              assertEquals(range(1, 5), seqs(oldest.getJsonArray("messages")));
              assertFalse(oldest.getBoolean("hasMore"), "nothing before seq 1");
              JsonObject forward = pages.resultAt(3);
              assertEquals(range(21, 25), seqs(forward.getJsonArray("messages")));
              assertFalse(forward.getBoolean("hasMore"));
              JsonObject exact = pages.resultAt(4);
              assertEquals(range(21, 25), seqs(exact.getJsonArray("messages")));
              assertFalse(exact.getBoolean("hasMore"), "a full page that reaches the end has no more");
              JsonObject none = pages.resultAt(5);
              assertEquals(List.of(), seqs(none.getJsonArray("messages")));
              assertFalse(none.getBoolean("hasMore"));
            });
            return pages;
          });
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  /** A node with {@code overrides}; alice and bob; a room alice created with bob in it. */
  private Future<Void> given(JsonObject overrides) {
    return RoomOfTwo.startNode(node, overrides, "resume").onSuccess(room -> chat = room).mapEmpty();
  }

  /** Alice sends "text from".."text to" one after another; each ack must carry the expected seq. */
  private Future<Void> sendSeries(int from, int to) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = from; i <= to; i++) {
      int n = i;
      chain = chain.compose(v -> node.rest().send(chat.alice().getString("accessToken"), chat.roomId(), "a-" + n, "text " + n).compose(ack ->
        ack.getLong("seq") == n ? Future.succeededFuture()
          : Future.failedFuture(new AssertionError("message " + n + " acked with seq " + ack.getLong("seq")))));
    }
    return chain;
  }

  private Future<JsonObject> page(String token, long after) {
    return node.rest().history(token, chat.roomId(), "after=" + after + "&limit=5");
  }

  private List<Long> liveSeqs(List<JsonObject> events) {
    return events.stream()
      .filter(e -> "message".equals(e.getString("type")) && chat.roomId().equals(e.getString("conversationId")))
      .map(e -> e.getJsonObject("message").getLong("seq"))
      .toList();
  }

  private static List<Long> seqs(JsonArray messages) {
    List<Long> seqs = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      seqs.add(messages.getJsonObject(i).getLong("seq"));
    }
    return seqs;
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }
}
