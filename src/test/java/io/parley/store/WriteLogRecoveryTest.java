package io.parley.store;

import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.testing.ParleyNodeExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the embedded store answered survives a crash between checkpoints: the writes the last MVStore
 * commit lacks are applied again from the write log — each exactly once (an {@code $inc} shows it:
 * applied twice, it would count twice), after a checkpoint or without one, with a record cut short at
 * the end of the log, and with fsync on. The crash is {@link DurableH2Backend#abandon()}: nothing is
 * committed or closed in order (CrashDurabilityTest does the same with kill -9 on a whole node).
 */
class WriteLogRecoveryTest {

  private static final String DB = "parley";

  private final Path dir = createDir();
  private final EmbeddedChannel channel = new EmbeddedChannel();

  @AfterEach
  void delete() throws IOException {
    ParleyNodeExtension.deleteTree(dir);
  }

  @Test
  void writes_after_the_last_checkpoint_are_applied_once_after_a_crash() {
    DurableH2Backend store = counterAt(5, false);
    store.checkpoint();
    increment(store, 7);
    insert(store, "messages", new Document("_id", "m1").append("text", "after the checkpoint"));
    store.abandon();

    DurableH2Backend reopened = DurableH2Backend.open(dir, false);
    assertEquals(12, count(reopened), "each logged $inc applied exactly once");
    assertEquals("after the checkpoint", find(reopened, "messages", "m1").get("text"));
    reopened.abandon();

    DurableH2Backend again = DurableH2Backend.open(dir, false);
    assertEquals(12, count(again), "a second crash right after recovery replays nothing twice");
    again.close();
    assertEquals(List.of(), nonEmptySegments(), "a clean close leaves no log to replay");
  }

  @Test
  void a_crash_between_a_checkpoint_and_its_deleting_the_covered_log_replays_nothing_twice() throws IOException {
    DurableH2Backend store = counterAt(4, false);
    Map<Path, byte[]> covered = new HashMap<>();
    for (Path segment : LogSegments.list(dir)) {
      covered.put(segment, Files.readAllBytes(segment));
    }
    store.checkpoint();
    for (Map.Entry<Path, byte[]> segment : covered.entrySet()) {
      Files.write(segment.getKey(), segment.getValue()); // as if the crash came before the deletion
    }
    increment(store, 1);
    store.abandon();

    DurableH2Backend reopened = DurableH2Backend.open(dir, false);
    assertEquals(5, count(reopened), "records the commit covers are skipped, the one after it applied");
    reopened.close();
  }

  @Test
  void a_record_cut_short_by_the_crash_ends_the_log() throws IOException {
    counterAt(3, false).abandon();
    Path newest = LogSegments.list(dir).get(LogSegments.list(dir).size() - 1);
    // Half a record: a length and a seq, then the crash.
    Files.write(newest, new byte[] {40, 0, 0, 0, 9, 0, 0}, StandardOpenOption.APPEND);

    DurableH2Backend reopened = DurableH2Backend.open(dir, false);
    assertEquals(3, count(reopened));
    increment(reopened, 1);
    reopened.abandon();
    DurableH2Backend again = DurableH2Backend.open(dir, false);
    assertEquals(4, count(again), "writes after the cut-off record are kept too");
    again.close();
  }

  @Test
  void a_damaged_record_before_the_newest_segment_stops_the_start_loudly() throws IOException {
    counterAt(0, false).abandon();
    Path older = dir.resolve("wal-0000000000000000000.log");
    Files.write(older, new byte[] {40, 0, 0, 0, 9, 0, 0});

    IllegalStateException failure = assertThrows(IllegalStateException.class, () -> DurableH2Backend.open(dir, false));
    assertTrue(failure.getMessage().contains("is damaged"), failure.getMessage());
  }

  @Test
  void with_fsync_the_same_holds() {
    counterAt(2, true).abandon();
    DurableH2Backend reopened = DurableH2Backend.open(dir, true);
    assertEquals(2, count(reopened));
    reopened.close();
  }

  /** A fresh store holding a counter document incremented {@code increments} times. */
  private DurableH2Backend counterAt(int increments, boolean fsync) {
    DurableH2Backend store = DurableH2Backend.open(dir, fsync);
    insert(store, "counter", new Document("_id", "c").append("n", 0));
    increment(store, increments);
    return store;
  }

  private void insert(DurableH2Backend store, String collection, Document document) {
    Document answer = store.handleCommand(channel, DB, "insert",
      new Document("insert", collection).append("documents", List.of(document)));
    assertEquals(1, ((Number) answer.get("n")).intValue(), answer.toString());
  }

  private void increment(DurableH2Backend store, int times) {
    for (int i = 0; i < times; i++) {
      store.handleCommand(channel, DB, "update", new Document("update", "counter").append("updates",
        List.of(new Document("q", new Document("_id", "c")).append("u", new Document("$inc", new Document("n", 1))))));
    }
  }

  private int count(DurableH2Backend store) {
    return ((Number) find(store, "counter", "c").get("n")).intValue();
  }

  @SuppressWarnings("unchecked")
  private Document find(DurableH2Backend store, String collection, String id) {
    Document answer = store.handleCommand(channel, DB, "find",
      new Document("find", collection).append("filter", new Document("_id", id)));
    List<Document> batch = (List<Document>) ((Document) answer.get("cursor")).get("firstBatch");
    assertEquals(1, batch.size(), "one document " + id + " in " + answer);
    return batch.get(0);
  }

  private List<Path> nonEmptySegments() {
    return LogSegments.list(dir).stream().filter(p -> {
      try {
        return Files.size(p) > 0;
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }).toList();
  }

  private static Path createDir() {
    try {
      return Files.createTempDirectory("parley-writelog");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
