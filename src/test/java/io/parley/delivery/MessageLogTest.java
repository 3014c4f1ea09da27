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
      appends.add(nodeA.append(alice, "c1", "a-" + i, "from a " + i));
      appends.add(nodeB.append(bob, "c1", "b-" + i, "from b " + i));
    }
    await(Future.all(appends));
    List<Long> seqs = appends.stream().map(f -> f.result().message().getLong("seq")).sorted().toList();
    assertEquals(LongStream.rangeClosed(1, 2L * perNode).boxed().toList(), seqs);
    assertTrue(appends.stream().noneMatch(f -> f.result().duplicate()));
  }

  @Test
  void a_resent_client_message_id_answers_the_stored_message_and_a_different_text_is_refused() throws Exception {
    MessageLog log = new MessageLog(store.mongo(), clock);
    MessageLog.Appended first = await(log.append(alice, "c1", "m-1", "hello"));
    await(log.append(bob, "c1", "m-1", "bob may use the same id"));
    MessageLog.Appended again = await(log.append(alice, "c1", "m-1", "hello"));

    assertFalse(first.duplicate());
    assertTrue(again.duplicate());
    assertEquals(first.message().getString("_id"), again.message().getString("_id"));
    assertEquals(1L, again.message().getLong("seq"));
    assertEquals(clock.millis(), again.message().getLong("createdAt"));
    assertFailsWith(DeliveryError.CLIENT_MSG_ID_REUSED, () -> log.append(alice, "c1", "m-1", "edited"));
  }

  @Test
  void pages_run_in_ascending_order_after_or_before_a_seq() throws Exception {
    MessageLog log = new MessageLog(store.mongo(), clock);
    for (int i = 1; i <= 5; i++) {
      await(log.append(alice, "c1", "m-" + i, "text " + i));
    }
    // Conversation ids are server-made UUIDs, unique across tenants; another conversation stays out of the page.
    await(log.append(new Caller("globex", "u-eve", "eve"), "c2", "m-1", "another tenant's conversation"));

    assertEquals(List.of(3L, 4L), seqs(await(log.page("acme", "c1", 2, -1, 2))));
    assertEquals(List.of(3L, 4L), seqs(await(log.page("acme", "c1", -1, 5, 2))));
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), seqs(await(log.page("acme", "c1", 0, -1, 50))));
    assertEquals(List.of(1L), seqs(await(log.page("globex", "c2", 0, -1, 50))));
    assertEquals(List.of(), seqs(await(log.page("globex", "c1", 0, -1, 50))), "the tenant is part of every lookup");
  }

  private static List<Long> seqs(List<JsonObject> messages) {
    return messages.stream().map(m -> m.getLong("seq")).toList();
  }
}
