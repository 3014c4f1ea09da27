package io.parley.attachments;

import io.parley.store.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.GridFsUploadOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.MongoGridFsClient;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

/**
 * The bytes of attachments and previews, in the GridFS bucket {@code attachment_files} (its
 * {@code .files} and {@code .chunks} collections; this class is their only user). Files go in through
 * vertx-mongo-client's GridFS client, streamed from the upload's file on disk. They come out, and go
 * away, chunk by chunk by the exact key {@code (files_id, n)} of GridFS's own unique index: the driver's
 * download and delete ask for "every chunk of this file" (sorted by n), which the embedded store can only
 * answer by scanning every chunk of every file, while the chunk numbers follow from length and chunk size.
 */
final class FileStore {

  static final String BUCKET = "attachment_files";
  static final String FILES = BUCKET + ".files";
  static final String CHUNKS = BUCKET + ".chunks";
  /** 1 MiB chunks: a quarter of the commits the default 255 KiB takes, and one read buffer in memory per transfer. */
  static final int CHUNK_BYTES = 1024 * 1024;

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
  private MongoGridFsClient gridFs;

  FileStore(Vertx vertx, MongoClient mongo) {
    this.vertx = vertx;
    this.mongo = mongo;
  }

  /** Opens the bucket and makes sure chunks are found by {@code (files_id, n)} before the first upload makes the index. */
  Future<FileStore> open() {
    return Mongo.index(mongo, CHUNKS, new JsonObject().put("files_id", 1).put("n", 1), true)
      .compose(v -> mongo.createGridFsBucketService(BUCKET))
      .map(client -> {
        gridFs = client;
        return this;
      });
  }

  /** Streams the file into the bucket; {@code metadata} names its tenant, conversation, uploader and scan verdict. */
  Future<Stored> put(Path file, long length, String name, JsonObject metadata) {
    return vertx.fileSystem().open(file.toString(), new OpenOptions().setRead(true).setWrite(false))
      .compose(source -> gridFs.uploadByFileNameWithOptions(source.setReadBufferSize(CHUNK_BYTES), name,
          new GridFsUploadOptions().setChunkSizeBytes(CHUNK_BYTES).setMetadata(metadata))
        .onComplete(done -> source.close()))
      .map(id -> new Stored(id, length, CHUNK_BYTES));
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
