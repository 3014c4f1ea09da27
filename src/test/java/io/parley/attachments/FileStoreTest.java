package io.parley.attachments;

import io.parley.testing.EmbeddedStore;
import io.parley.testing.TestFiles;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoGridFsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Files written chunk by chunk are GridFS files: vertx-mongo-client's own GridFS client reads them back
 * byte for byte (with their metadata); ranges across chunk boundaries come back exact; a delete leaves no
 * chunk and no entry.
 */
class FileStoreTest {

  @RegisterExtension
  final EmbeddedStore store = new EmbeddedStore();

  @TempDir
  Path dir;

  @Test
  void what_is_written_is_a_gridfs_file_read_back_exactly_and_deleted_whole() throws Exception {
    FileStore files = await(new FileStore(store.vertx(), store.mongo()).open());
    Path source = new TestFiles(dir).largeText("three-chunks.txt", 2L * FileStore.CHUNK_BYTES + 12_345);
    byte[] bytes = Files.readAllBytes(source);
    FileStore.Stored stored = await(files.put(FileStore.plan(bytes.length), source, "three-chunks.txt", new JsonObject().put("tenant", "t")));
    assertEquals(3, stored.chunks());

    MongoGridFsClient gridFs = await(store.mongo().createGridFsBucketService(FileStore.BUCKET));
    Buffer read = Buffer.buffer();
    await(gridFs.downloadById(new BufferSink(read), stored.fileId()));
    assertArrayEquals(bytes, read.getBytes(), "GridFS's own reader gets the same bytes");
    JsonObject entry = await(store.mongo().findOne(FileStore.FILES, new JsonObject().put("_id", new JsonObject().put("$oid", stored.fileId())), null));
    assertEquals(bytes.length, entry.getLong("length"));
    assertEquals("t", entry.getJsonObject("metadata").getString("tenant"));

    Buffer middle = Buffer.buffer();
    Download download = new Download(files, stored, "x", "text/plain", "\"e\"", false);
    long first = FileStore.CHUNK_BYTES - 5;
    long last = 2L * FileStore.CHUNK_BYTES + 5;
    await(download.writeTo(new BufferSink(middle), first, last));
    assertArrayEquals(java.util.Arrays.copyOfRange(bytes, (int) first, (int) last + 1), middle.getBytes());

    await(files.delete(stored));
    assertEquals(0L, await(store.mongo().count(FileStore.CHUNKS, new JsonObject())));
    assertEquals(0L, await(store.mongo().count(FileStore.FILES, new JsonObject())));
  }

  /** A write stream into a buffer, as a response would take the bytes. */
  private record BufferSink(Buffer into) implements io.vertx.core.streams.WriteStream<Buffer> {
    @Override public io.vertx.core.streams.WriteStream<Buffer> exceptionHandler(io.vertx.core.Handler<Throwable> handler) { return this; }
    @Override public io.vertx.core.Future<Void> write(Buffer data) { into.appendBuffer(data); return io.vertx.core.Future.succeededFuture(); }
    @Override public io.vertx.core.Future<Void> end() { return io.vertx.core.Future.succeededFuture(); }
    @Override public io.vertx.core.streams.WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) { return this; }
    @Override public boolean writeQueueFull() { return false; }
    @Override public io.vertx.core.streams.WriteStream<Buffer> drainHandler(io.vertx.core.Handler<Void> handler) { return this; }
  }
}
