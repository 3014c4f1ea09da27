package io.parley.attachments;

import io.vertx.core.Future;
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

  /** Writes bytes {@code first..last} (inclusive) to {@code out}, waiting for each write before the next. */
  public Future<Void> writeTo(WriteStream<Buffer> out, long first, long last) {
    if (last < first) {
      return Future.succeededFuture();
    }
    long firstChunk = first / file.chunkBytes();
    return copy(out, firstChunk, last / file.chunkBytes(), first, last, files.chunk(file, firstChunk));
  }

  private Future<Void> copy(WriteStream<Buffer> out, long n, long lastChunk, long first, long last, Future<Buffer> current) {
    return current.compose(chunk -> {
      long start = n * file.chunkBytes();
      int from = (int) Math.max(0, first - start);
      int to = (int) Math.min(chunk.length(), last - start + 1);
      Future<Buffer> next = n < lastChunk ? files.chunk(file, n + 1) : null;
      return out.write(chunk.slice(from, to))
        .compose(v -> next == null ? Future.<Void>succeededFuture() : copy(out, n + 1, lastChunk, first, last, next));
    });
  }
}
