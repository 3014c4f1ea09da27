package io.parley.delivery;

import io.parley.common.Caller;
import io.parley.delivery.api.DeliveryError;
import io.parley.testing.EmbeddedStore;
import io.parley.testing.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static io.parley.testing.ApiAssertions.assertFailsWith;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sequence arbitration and dedup in the message log, on a real embedded store. */
class MessageLogTest {

  /** A message with nothing but its text: no thread, no mentions. */
  private static final JsonObject PLAIN = new JsonObject();

  @RegisterExtension
  final EmbeddedStore store = new EmbeddedStore();

  private final MutableClock clock = MutableClock.now();
  private final Caller alice = new Caller("acme", "u-alice", "alice");
  private final Caller bob = new Caller("acme", "u-bob", "bob");

  @BeforeEach
  void indexes() throws Exception {
    await(new MessageLog(store.mongo(), clock).ensureIndexes());
  }

  /**
   * Two logs stand for two nodes appending to one conversation with no queue between them: every
   * append is started before any completes, so they race for the same next seq and the unique index
   * must arbitrate. The seqs come out as exactly 1..N.
   */
  @Test
  void concurrent_writers_get_gap_free_unique_sequence_numbers() throws Exception {
    MessageLog nodeA = new MessageLog(store.mongo(), clock);
    MessageLog nodeB = new MessageLog(store.mongo(), clock);
    int perNode = 12;
    List<Future<MessageLog.Appended>> appends = new ArrayList<>();
    for (int i = 0; i < perNode; i++) {
      appends.add(nodeA.append(alice, "c1", "a-" + i, "from a " + i, PLAIN, 0));
      appends.add(nodeB.append(bob, "c1", "b-" + i, "from b " + i, PLAIN, 0));
    }
    await(Future.all(appends));
    List<Long> seqs = appends.stream().map(f -> f.result().message().getLong("seq")).sorted().toList();
    assertEquals(LongStream.rangeClosed(1, 2L * perNode).boxed().toList(), seqs);
    assertTrue(appends.stream().noneMatch(f -> f.result().duplicate()));
  }

  @Test
  void a_resent_client_message_id_answers_the_stored_message_and_a_different_text_is_refused() throws Exception {
    MessageLog log = new MessageLog(store.mongo(), clock);
    MessageLog.Appended first = await(log.append(alice, "c1", "m-1", "hello", PLAIN, 0));
    await(log.append(bob, "c1", "m-1", "bob may use the same id", PLAIN, 0));
    MessageLog.Appended again = await(log.append(alice, "c1", "m-1", "hello", PLAIN, 0));

    assertFalse(first.duplicate());
    assertTrue(again.duplicate());
    assertEquals(first.message().getString("_id"), again.message().getString("_id"));
    assertEquals(1L, again.message().getLong("seq"));
    assertEquals(clock.millis(), again.message().getLong("createdAt"));
    assertFailsWith(DeliveryError.CLIENT_MSG_ID_REUSED, () -> log.append(alice, "c1", "m-1", "edited", PLAIN, 0));
  }

  @Test
  void pages_run_in_ascending_order_after_or_before_a_seq() throws Exception {
    MessageLog log = new MessageLog(store.mongo(), clock);
    for (int i = 1; i <= 5; i++) {
      await(log.append(alice, "c1", "m-" + i, "text " + i, PLAIN, 0));
    }
    // Conversation ids are server-made UUIDs, unique across tenants; another conversation stays out of the page.
    await(log.append(new Caller("globex", "u-eve", "eve"), "c2", "m-1", "another tenant's conversation", PLAIN, 0));

    assertEquals(List.of(3L, 4L), seqs(await(log.page("acme", "c1", 2, -1, 2, 0))));
    assertEquals(List.of(3L, 4L), seqs(await(log.page("acme", "c1", -1, 5, 2, 0))));
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), seqs(await(log.page("acme", "c1", 0, -1, 50, 0))));
    assertEquals(List.of(1L), seqs(await(log.page("globex", "c2", 0, -1, 50, 0))));
    assertEquals(List.of(), seqs(await(log.page("globex", "c1", 0, -1, 50, 0))), "the tenant is part of every lookup");
  }

  /** A writer whose known head is far behind (a new instance, a lagging hint) finds the real one by id lookups. */
  @Test
  void a_writer_or_reader_far_behind_the_head_finds_it() throws Exception {
    MessageLog busy = new MessageLog(store.mongo(), clock);
    for (int i = 1; i <= 150; i++) {
      await(busy.append(alice, "c1", "m-" + i, "text " + i, PLAIN, i - 1));
    }
    MessageLog fresh = new MessageLog(store.mongo(), clock);
    assertEquals(151L, await(fresh.append(bob, "c1", "late", "hello", PLAIN, 0)).message().getLong("seq"));
    assertEquals(151L, await(fresh.probeHead("c1", 1)));

    MessageLog other = new MessageLog(store.mongo(), clock);
    List<JsonObject> newest = await(other.page("acme", "c1", -1, -1, 3, 20));
    assertEquals(List.of(149L, 150L, 151L), seqs(newest), "the newest page, though the reader knew only of seq 20");
  }

  /** Messages stored by the previous layout (random ids) are rewritten at start under their place. */
  @Test
  void messages_of_the_previous_layout_are_migrated_to_place_ids() throws Exception {
    for (int seq = 1; seq <= 3; seq++) {
      await(store.mongo().insert(MessageLog.MESSAGES, new JsonObject().put("_id", "old-" + seq).put("tenant", "acme")
        .put("conversationId", "c9").put("seq", seq).put("senderId", alice.userId()).put("senderName", "alice")
        .put("clientMsgId", "old-" + seq).put("text", "from before").put("createdAt", 1L)));
    }
    await(store.mongo().removeDocuments("migrations", new JsonObject()));
    MessageLog log = new MessageLog(store.mongo(), clock);
    await(log.ensureIndexes());

    assertEquals(List.of(1L, 2L, 3L), seqs(await(log.page("acme", "c9", 0, -1, 10, 0))));
    assertEquals(0L, await(store.mongo().count(MessageLog.MESSAGES, new JsonObject().put("_id", "old-1"))));
    assertTrue(await(log.append(alice, "c9", "old-2", "from before", PLAIN, 3)).duplicate(), "dedup keys survive the move");
    assertEquals(4L, await(log.append(alice, "c9", "new-1", "after", PLAIN, 3)).message().getLong("seq"));
  }

  private static List<Long> seqs(List<JsonObject> messages) {
    return messages.stream().map(m -> m.getLong("seq")).toList();
  }
}
