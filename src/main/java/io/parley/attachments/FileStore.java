package io.parley.attachments;

import io.parley.store.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.MongoClient;
import org.bson.types.ObjectId;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

/**
 * The bytes of attachments and previews, in the GridFS bucket {@code attachment_files} (its
 * {@code .files} and {@code .chunks} collections in GridFS's own layout, which any GridFS client reads;
 * this class is their only user). Chunks go in, come out and go away one at a time by the exact key
 * {@code (files_id, n)} of GridFS's unique index, the next read while the current one is written:
 * memory stays two chunks whatever the size. Not through the GridFS client of vertx-mongo-client: the
 * driver under it inserts up to 256 chunks at once (a 200 MB upload ran out of heaps up to 1 GB and held
 * every store thread), and its download and delete ask for "every chunk of this file, sorted by n", which
 * the embedded store answers by scanning every chunk of every file.
 */
final class FileStore {

  static final String BUCKET = "attachment_files";
  static final String FILES = BUCKET + ".files";
  static final String CHUNKS = BUCKET + ".chunks";
  /**
   * GridFS's default 255 KiB: a chunk stays under half a G1 region of a small heap (1 MiB regions below
   * 2 GB), where 1 MiB chunks were "humongous" objects that took two regions each and ran a 96 MB heap out.
   */
  static final int CHUNK_BYTES = 255 * 1024;

  /** Where a file went: what reading it back needs. */
  record Stored(String fileId, long length, int chunkBytes) {

    JsonObject toJson() {
      return new JsonObject().put("fileId", fileId).put("length", length).put("chunkBytes", chunkBytes);
    }

    static Stored fromJson(JsonObject json) {
      return json == null ? null : new Stored(json.getString("fileId"), json.getLong("length"), json.getInteger("chunkBytes"));
    }

    long chunks() {
      return (length + chunkBytes - 1) / chunkBytes;
    }
  }

  private final Vertx vertx;
  private final MongoClient mongo;

  FileStore(Vertx vertx, MongoClient mongo) {
    this.vertx = vertx;
    this.mongo = mongo;
  }

  /** Makes sure chunks are found by {@code (files_id, n)}, on the embedded store and a real MongoDB alike. */
  Future<FileStore> open() {
    return Mongo.index(mongo, CHUNKS, new JsonObject().put("files_id", 1).put("n", 1), true).map(this);
  }

  /** Where a file of {@code length} bytes will go: its id is known before a byte is written (see {@link #put}). */
  static Stored plan(long length) {
    return new Stored(new ObjectId().toHexString(), length, CHUNK_BYTES);
  }

  /**
   * Streams the file into the bucket at its {@link #plan}ned id, its entry last (a file without one is
   * incomplete to every GridFS reader); {@code metadata} names its tenant, conversation, uploader and scan
   * verdict. A failure removes the chunks already written.
   */
  Future<Stored> put(Stored stored, Path file, String name, JsonObject metadata) {
    return vertx.fileSystem().open(file.toString(), new OpenOptions().setRead(true).setWrite(false)).compose(source -> {
      Promise<Void> written = Promise.promise();
      writeChunks(source, stored, 0, read(source, stored, 0), written);
      return written.future().onComplete(done -> source.close());
    })
      .compose(v -> mongo.insert(FILES, new JsonObject().put("_id", oid(stored.fileId())).put("length", stored.length())
        .put("chunkSize", CHUNK_BYTES).put("uploadDate", new JsonObject().put("$date", Instant.now().toString()))
        .put("filename", name).put("metadata", metadata)))
      .map(stored)
      .recover(err -> delete(stored).transform(x -> Future.failedFuture(err)));
  }

  private static Future<Buffer> read(AsyncFile source, Stored file, long n) {
    int size = (int) Math.min(file.chunkBytes(), file.length() - n * file.chunkBytes());
    return source.read(Buffer.buffer(size), 0, n * file.chunkBytes(), size);
  }

  /** Chunk {@code n} goes in while chunk {@code n + 1} is read; one promise for all (no chain holding written chunks). */
  private void writeChunks(AsyncFile source, Stored file, long n, Future<Buffer> reading, Promise<Void> done) {
    if (n >= file.chunks()) {
      done.tryComplete();
      return;
    }
    reading.onComplete(read -> {
      if (read.failed()) {
        done.tryFail(read.cause());
        return;
      }
      Future<Buffer> next = n + 1 < file.chunks() ? read(source, file, n + 1) : null;
      JsonObject chunk = chunkKey(file, n).put("_id", oid(new ObjectId().toHexString()))
        .put("data", new JsonObject().put("$binary", read.result().getBytes()));
      mongo.insert(CHUNKS, chunk).onComplete(inserted -> {
        if (inserted.failed()) {
          done.tryFail(inserted.cause());
        } else {
          writeChunks(source, file, n + 1, next, done);
        }
      });
    });
  }

  /** Chunk {@code n} of a stored file, or a failure when it is gone (deleted meanwhile). */
  Future<Buffer> chunk(Stored file, long n) {
    return mongo.findOne(CHUNKS, chunkKey(file, n), new JsonObject().put("data", 1)).compose(chunk -> chunk == null
      ? Future.failedFuture("chunk " + n + " of " + file.fileId() + " is gone")
      : Future.succeededFuture(Buffer.buffer(chunk.getJsonObject("data").getBinary("$binary"))));
  }

  /** Removes the file: its chunks by key, then its entry. Again on a removed file changes nothing. */
  Future<Void> delete(Stored file) {
    List<BulkOperation> chunks = new ArrayList<>();
    LongStream.range(0, Math.max(1, file.chunks())).forEach(n -> chunks.add(BulkOperation.createDelete(chunkKey(file, n))));
    return mongo.bulkWriteWithOptions(CHUNKS, chunks, new BulkWriteOptions(false))
      .compose(v -> mongo.removeDocument(FILES, new JsonObject().put("_id", oid(file.fileId()))))
      .mapEmpty();
  }

  private static JsonObject chunkKey(Stored file, long n) {
    return new JsonObject().put("files_id", oid(file.fileId())).put("n", (int) n);
  }

  private static JsonObject oid(String id) {
    return new JsonObject().put("$oid", id);
  }
}
