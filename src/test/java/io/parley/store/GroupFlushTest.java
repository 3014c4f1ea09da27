package io.parley.store;

import io.parley.testing.EmbeddedStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Concurrent writes to the embedded store share write-log flushes, and each is answered only once a
 * flush that includes it has run (WriteLogRecoveryTest and CrashDurabilityTest show that what was
 * answered survives a crash).
 */
class GroupFlushTest {

  @RegisterExtension
  final EmbeddedStore store = new EmbeddedStore();

  @Test
  void concurrent_writes_share_flushes_and_every_answered_write_is_flushed() throws Exception {
    int writes = 300;
    long before = store.embedded().flushes();
    List<Future<String>> inserts = new ArrayList<>();
    for (int i = 0; i < writes; i++) {
      inserts.add(store.mongo().insert("group_commit", new JsonObject().put("_id", "w-" + i)));
    }
    await(Future.all(inserts));
    long flushes = store.embedded().flushes() - before;
    System.out.printf("GROUP FLUSH: %d concurrent writes, %d flushes%n", writes, flushes);
    assertTrue(flushes >= 1, "a write is answered only after a flush");
    assertTrue(flushes < writes, "concurrent writers share flushes: " + flushes + " flushes for " + writes + " writes");
    assertEquals(writes, await(store.mongo().count("group_commit", new JsonObject())));

    long sequential = store.embedded().flushes();
    await(store.mongo().insert("group_commit", new JsonObject().put("_id", "alone")));
    assertEquals(sequential + 1, store.embedded().flushes(), "a lone write gets its own flush before its answer");
  }
}
