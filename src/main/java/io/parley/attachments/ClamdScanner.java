package io.parley.attachments;

import io.parley.attachments.api.AttachmentError;
import io.parley.common.Failure;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Streams a file to clamd with its INSTREAM command: {@code zINSTREAM\0}, then chunks each prefixed by
 * its length (4 bytes, big-endian), then a zero length; clamd answers {@code stream: OK\0} or
 * {@code stream: <signature> FOUND\0}, or an error (e.g. the stream exceeds its StreamMaxLength).
 * Anything but those two answers, a refused connection, or silence longer than the timeout (both ways:
 * while the file goes out and while clamd scans) is "unavailable": the caller fails closed. The file is
 * read as clamd takes it, so memory stays one read buffer whatever the size.
 *
 * <p>Hand-written over Vert.x's NetClient: the Java clamd clients on Maven Central block a thread per scan.
 */
final class ClamdScanner {

  private static final int READ_BYTES = 64 * 1024;
  private static final Buffer END = Buffer.buffer(new byte[4]);

  /** What clamd said of a stream: clean, or the signature it found. */
  record Verdict(boolean infected, String signature) {
  }

  private final Vertx vertx;
  private final SocketAddress address;
  private final NetClient client;

  ClamdScanner(Vertx vertx, String address, long timeoutMs) {
    this.vertx = vertx;
    this.address = parse(address);
    this.client = vertx.createNetClient(new NetClientOptions()
      .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs))
      .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs)).setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
  }

  /** {@code host:port}, or {@code unix:/path} (a Unix domain socket, where the transport supports it). */
  static SocketAddress parse(String address) {
    if (address.startsWith("unix:")) {
      return SocketAddress.domainSocketAddress(address.substring("unix:".length()));
    }
    int colon = address.lastIndexOf(':');
    return SocketAddress.inetSocketAddress(Integer.parseInt(address.substring(colon + 1)), address.substring(0, colon));
  }

  String describe() {
    return address.toString();
  }

  Future<Verdict> scan(Path file) {
    return client.connect(address)
      .compose(socket -> vertx.fileSystem().open(file.toString(), new OpenOptions().setRead(true).setWrite(false))
        .compose(source -> stream(socket, source.setReadBufferSize(READ_BYTES)).onComplete(done -> source.close()))
        .onComplete(done -> socket.close()))
      .recover(ClamdScanner::unavailable);
  }

  /** {@code PONG} within the timeout: clamd is there and answering. */
  Future<Void> ping() {
    return client.connect(address).compose(socket -> {
      Promise<Void> pong = Promise.promise();
      Buffer reply = Buffer.buffer();
      socket.handler(data -> {
        reply.appendBuffer(data);
        if (ends(reply)) {
          String answer = text(reply);
          if ("PONG".equals(answer)) {
            pong.tryComplete();
          } else {
            pong.tryFail("clamd answered PING with '" + answer + "'");
          }
        }
      });
      socket.closeHandler(v -> pong.tryFail("clamd closed the connection"));
      socket.exceptionHandler(pong::tryFail);
      socket.write(Buffer.buffer("zPING\0"));
      return pong.future().onComplete(done -> socket.close());
    });
  }

  private Future<Verdict> stream(NetSocket socket, AsyncFile source) {
    Promise<Verdict> verdict = Promise.promise();
    Buffer reply = Buffer.buffer();
    socket.handler(data -> {
      reply.appendBuffer(data);
      if (ends(reply)) {
        // clamd may answer before the stream ends (a size limit): the answer decides, reading stops.
        source.pause();
        answer(text(reply), verdict);
      }
    });
    socket.closeHandler(v -> verdict.tryFail("clamd closed the connection without an answer (or was silent too long)"));
    socket.exceptionHandler(verdict::tryFail);
    source.exceptionHandler(verdict::tryFail);
    socket.write(Buffer.buffer("zINSTREAM\0"));
    source.handler(chunk -> {
      socket.write(Buffer.buffer(4 + chunk.length()).appendInt(chunk.length()).appendBuffer(chunk));
      if (socket.writeQueueFull()) {
        source.pause();
        socket.drainHandler(v -> source.resume());
      }
    });
    source.endHandler(v -> socket.write(END));
    return verdict.future();
  }

  private static void answer(String answer, Promise<Verdict> verdict) {
    if (answer.equals("stream: OK")) {
      verdict.tryComplete(new Verdict(false, null));
    } else if (answer.startsWith("stream: ") && answer.endsWith(" FOUND")) {
      verdict.tryComplete(new Verdict(true, answer.substring("stream: ".length(), answer.length() - " FOUND".length())));
    } else {
      verdict.tryFail("clamd answered '" + answer + "'");
    }
  }

  private static boolean ends(Buffer reply) {
    return reply.length() > 0 && (reply.getByte(reply.length() - 1) == 0 || reply.getByte(reply.length() - 1) == '\n');
  }

  private static String text(Buffer reply) {
    return reply.toString(StandardCharsets.US_ASCII).replace("\0", "").trim();
  }

  private static <T> Future<T> unavailable(Throwable cause) {
    return Failure.fail(AttachmentError.SCAN_UNAVAILABLE, "the virus scanner is unavailable (" + cause.getMessage()
      + "); nothing was stored, try again later");
  }

  Future<Void> close() {
    return client.close();
  }
}
