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
 * Concurrent writes to the embedded store share commits, and each is answered only once a commit that
 * includes it has run (CrashDurabilityTest shows the same with kill -9 on a real node).
 */
class GroupCommitTest {

  @RegisterExtension
  final EmbeddedStore store = new EmbeddedStore();

  @Test
  void concurrent_writes_share_commits_and_every_answered_write_is_committed() throws Exception {
    int writes = 300;
    long before = store.embedded().commits();
    List<Future<String>> inserts = new ArrayList<>();
    for (int i = 0; i < writes; i++) {
      inserts.add(store.mongo().insert("group_commit", new JsonObject().put("_id", "w-" + i)));
    }
    await(Future.all(inserts));
    long commits = store.embedded().commits() - before;
    System.out.printf("GROUP COMMIT: %d concurrent writes, %d commits%n", writes, commits);
    assertTrue(commits >= 1, "a write is answered only after a commit");
    assertTrue(commits < writes, "concurrent writers share commits: " + commits + " commits for " + writes + " writes");
    assertEquals(writes, await(store.mongo().count("group_commit", new JsonObject())));

    long sequential = store.embedded().commits();
    await(store.mongo().insert("group_commit", new JsonObject().put("_id", "alone")));
    assertEquals(sequential + 1, store.embedded().commits(), "a lone write gets its own commit before its answer");
  }
}
