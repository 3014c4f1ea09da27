package io.parley.attachments;

import io.parley.testing.EmbeddedStore;
import io.parley.testing.TestFiles;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The sweep of uploads no message took, on a real embedded store with files really in GridFS: due
 * minutes are swept, later ones are not; a claimed upload stays; an expired one can no longer be claimed;
 * two sweepers (instances) racing over the same minute remove it once; every chunk goes.
 */
class UnclaimedSweepTest {

  private static final long TTL_MS = 3_600_000;
  private static final long T0 = 1_800_000_000_000L;

  @RegisterExtension
  final EmbeddedStore store = new EmbeddedStore();

  @TempDir
  Path dir;

  @Test
  void due_unclaimed_uploads_are_removed_whole_and_claimed_ones_stay() throws Exception {
    AttachmentStore records = new AttachmentStore(store.mongo());
    FileStore files = await(new FileStore(store.vertx(), store.mongo()).open());
    Discards discards = new Discards(records, files);
    UnclaimedSweep sweep = new UnclaimedSweep(store.mongo(), records, discards, TTL_MS);
    UnclaimedSweep otherInstance = new UnclaimedSweep(store.mongo(), records, discards, TTL_MS);
    TestFiles made = new TestFiles(dir);

    JsonObject forgotten = upload(files, records, sweep, made.largeText("forgotten.txt", 2L * FileStore.CHUNK_BYTES + 100), T0);
    JsonObject sent = upload(files, records, sweep, made.largeText("sent.txt", 10), T0 + 1000);
    JsonObject recent = upload(files, records, sweep, made.largeText("recent.txt", 10), T0 + TTL_MS);
    assertNull(await(records.claim(sent.getString("_id"), "message:c/m-1")));
    assertEquals(5L, await(store.mongo().count(FileStore.CHUNKS, new JsonObject())), "3 chunks of the big file, 1 each for 2 small files");

    assertEquals(0, await(sweep.sweep(T0 + TTL_MS - 1)), "nothing is due yet");
    int removed = await(sweep.sweep(T0 + TTL_MS + 2 * UnclaimedSweep.BUCKET_MS)) + await(otherInstance.sweep(T0 + TTL_MS + 2 * UnclaimedSweep.BUCKET_MS));
    assertEquals(1, removed);
    assertNull(await(records.find(forgotten.getString("_id"))));
    assertNull(await(records.holder(forgotten.getString("_id"))), "its claim went with it");
    assertNotNull(await(records.find(sent.getString("_id"))), "a claimed upload stays");
    assertNotNull(await(records.find(recent.getString("_id"))), "a recent upload stays");
    assertEquals(2L, await(store.mongo().count(FileStore.CHUNKS, new JsonObject())), "every chunk of the removed file is gone");
    assertEquals(2L, await(store.mongo().count(FileStore.FILES, new JsonObject())));

    // Later the recent one is due too, and a message that comes too late cannot take it.
    assertEquals(1, await(sweep.sweep(T0 + 2 * TTL_MS + 2 * UnclaimedSweep.BUCKET_MS)));
    assertNull(await(records.find(recent.getString("_id"))));
    assertEquals(0, await(sweep.sweep(T0 + 3 * TTL_MS)), "swept minutes are not swept again");
  }

  @Test
  void files_of_an_upload_whose_node_died_before_its_record_are_swept_too() throws Exception {
    AttachmentStore records = new AttachmentStore(store.mongo());
    FileStore files = await(new FileStore(store.vertx(), store.mongo()).open());
    UnclaimedSweep sweep = new UnclaimedSweep(store.mongo(), records, new Discards(records, files), TTL_MS);
    Path file = new TestFiles(dir).largeText("cut.txt", 2L * FileStore.CHUNK_BYTES + 7);
    // Listed, then written, then the node dies: no record.
    FileStore.Stored stored = FileStore.plan(Files.size(file));
    await(sweep.pending("att-cut", T0, List.of(stored)));
    await(files.put(stored, file, "cut.txt", new JsonObject()));
    assertEquals(3L, await(store.mongo().count(FileStore.CHUNKS, new JsonObject())));

    assertEquals(0, await(sweep.sweep(T0 + TTL_MS + 2 * UnclaimedSweep.BUCKET_MS)), "no upload counted: there was none recorded");
    assertEquals(0L, await(store.mongo().count(FileStore.CHUNKS, new JsonObject())), "its chunks are gone");
    assertEquals(0L, await(store.mongo().count(FileStore.FILES, new JsonObject())), "and its entry");
  }

  @Test
  void the_sweep_loses_to_a_message_that_claimed_first_and_wins_over_one_that_comes_later() throws Exception {
    AttachmentStore records = new AttachmentStore(store.mongo());
    FileStore files = await(new FileStore(store.vertx(), store.mongo()).open());
    UnclaimedSweep sweep = new UnclaimedSweep(store.mongo(), records, new Discards(records, files), TTL_MS);
    JsonObject upload = upload(files, records, sweep, new TestFiles(dir).largeText("x.txt", 10), T0);

    assertNull(await(records.claim(upload.getString("_id"), "message:c/first")), "the message claims first");
    assertEquals("message:c/first", await(records.claim(upload.getString("_id"), AttachmentStore.EXPIRED)),
      "the sweep is told a message holds it");
    await(records.release(upload.getString("_id")));
    assertNull(await(records.claim(upload.getString("_id"), AttachmentStore.EXPIRED)), "unclaimed, the sweep takes it");
    assertEquals(AttachmentStore.EXPIRED, await(records.claim(upload.getString("_id"), "message:c/late")),
      "a message after the sweep's claim is told the upload expired");
  }

  private static JsonObject upload(FileStore files, AttachmentStore records, UnclaimedSweep sweep, Path file, long at) throws Exception {
    FileStore.Stored stored = FileStore.plan(Files.size(file));
    String id = "att-" + file.getFileName();
    await(sweep.pending(id, at, List.of(stored)));
    await(files.put(stored, file, file.getFileName().toString(), new JsonObject()));
    JsonObject record = new JsonObject().put("_id", "att-" + file.getFileName()).put("tenant", "t").put("conversationId", "c")
      .put("uploaderId", "u").put("name", file.getFileName().toString()).put("size", Files.size(file))
      .put("contentType", "text/plain").put("sha256", "x").put("createdAt", at).put("file", stored.toJson());
    await(records.insert(record));
    return record;
  }
}
