package io.parley.attachments;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * A file the caller may read, ready to stream: its name, the type detected at upload, its size, an ETag
 * (its sha256: the bytes of an attachment never change), and whether browsers may show it in place
 * (images checked at upload). Bytes are read chunk by chunk as the client takes them, the next chunk
 * fetched while the current one is written: memory stays two chunks whatever the size.
 */
public final class Download {

  private final FileStore files;
  private final FileStore.Stored file;
  private final String name;
  private final String contentType;
  private final String etag;
  private final boolean inline;

  Download(FileStore files, FileStore.Stored file, String name, String contentType, String etag, boolean inline) {
    this.files = files;
    this.file = file;
    this.name = name;
    this.contentType = contentType;
    this.etag = etag;
    this.inline = inline;
  }

  public String name() { return name; }

  public String contentType() { return contentType; }

  public long size() { return file.length(); }

  /** Quoted, as the header carries it. */
  public String etag() { return etag; }

  public boolean inline() { return inline; }

  /**
   * Writes bytes {@code first..last} (inclusive) to {@code out}, waiting for each write before the next.
   * One promise for the whole copy, completed from a loop of callbacks: a chain of composed futures would
   * keep every chunk already written reachable until the end (100 MB held 100 MB into a download).
   */
  public Future<Void> writeTo(WriteStream<Buffer> out, long first, long last) {
    if (last < first) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    long firstChunk = first / file.chunkBytes();
    step(out, firstChunk, last / file.chunkBytes(), first, last, files.chunk(file, firstChunk), done);
    return done.future();
  }

  private void step(WriteStream<Buffer> out, long n, long lastChunk, long first, long last, Future<Buffer> current, Promise<Void> done) {
    current.onComplete(read -> {
      if (read.failed()) {
        done.tryFail(read.cause());
        return;
      }
      Buffer chunk = read.result();
      long start = n * file.chunkBytes();
      int from = (int) Math.max(0, first - start);
      int to = (int) Math.min(chunk.length(), last - start + 1);
      Future<Buffer> next = n < lastChunk ? files.chunk(file, n + 1) : null;
      out.write(chunk.slice(from, to)).onComplete(written -> {
        if (written.failed()) {
          done.tryFail(written.cause());
        } else if (next == null) {
          done.tryComplete();
        } else {
          step(out, n + 1, lastChunk, first, last, next, done);
        }
      });
    });
  }
}
