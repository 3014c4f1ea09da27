package io.parley.attachments;

import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.parley.testing.RoomOfMany;
import io.parley.testing.TestFiles;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 200 MB file up and back down through a node whose heap is half its size ({@value #XMX}, in its own
 * JVM, on the embedded store): streamed, the node neither runs out of memory nor keeps any of the file
 * afterwards, and its store still takes writes. What the node's heap did is read from its GC log
 * ({@code -Xlog:gc}: occupancy before and after every collection) and from full collections the test
 * asks for with {@code jcmd} before and after the upload (what the node really holds); the line the test
 * prints gives throughput both ways, the heap's peak, and when the body had arrived (the upload file
 * growing in the node's uploads dir), which splits the upload into receiving and storing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LargeUploadTest {

  private static final String XMX = "-Xmx96m";
  private static final long SIZE = 200L * 1024 * 1024;
  private static final double MB = 1024 * 1024;
  private static final String GC_LOG = "gc.log";
  /** Relative: the node's working directory is its data directory. */
  private static final String UPLOADS = "uploads";
  /** What the node may hold after the upload beyond what it held before (caches warming up, pools). */
  private static final long RETAINED_SLACK = 32L * 1024 * 1024;
  /**
   * The median heap left after the collections during the upload: a streaming node holds a few chunks, the
   * store's page cache (16 MB) and up to 4 MB of unsaved pages (51–54 MB seen); a node holding the file could not.
   */
  private static final long MEDIAN_AFTER_GC_LIMIT = 72L * 1024 * 1024;

  @RegisterExtension
  static final ParleyNodeExtension node = ParleyNodeExtension.childJvm()
    .jvmOptions(XMX, "-Xlog:gc:file=" + GC_LOG)
    .with(new JsonObject().put("attachments", new JsonObject().put("uploads_dir", UPLOADS)
      .put("max_file_bytes", 256L * 1024 * 1024).put("bytes_per_user_per_day", 1024L * 1024 * 1024)));

  @TempDir
  Path dir;

  @Test
  void a_200_mb_file_goes_up_and_comes_back_through_a_96_mb_heap() throws Exception {
    RoomOfMany room = await(RoomOfMany.create(node.rest(), "big", "big", List.of("alice"), List.of()));
    Path file = new TestFiles(dir).largeText("big.txt", SIZE);
    String sha256 = TestFiles.sha256(file);
    long liveBefore = liveHeapAfterFullGc();
    int gcBefore = gcLog().size();

    // Up, watching the heap on /metrics and the body arriving in the uploads dir.
    AtomicLong sampledPeak = new AtomicLong();
    AtomicLong bodyReceivedNanos = new AtomicLong();
    long uploadStarted = System.nanoTime();
    long sampler = node.vertx().setPeriodic(250, id -> {
      heapUsed().onSuccess(used -> sampledPeak.accumulateAndGet(used, Math::max));
      if (bodyReceivedNanos.get() == 0 && uploadedBytes() >= SIZE) {
        bodyReceivedNanos.set(System.nanoTime() - uploadStarted);
      }
    });
    HttpResponse<Buffer> answer;
    try {
      answer = await(node.rest().upload(room.token("alice"), room.roomId(), file, "big.txt", "text/plain"), 90);
    } finally {
      node.vertx().cancelTimer(sampler);
    }
    double uploadSeconds = (System.nanoTime() - uploadStarted) / 1e9;
    List<GcEvent> gcs = gcLog();
    List<GcEvent> duringUpload = gcs.subList(Math.min(gcBefore, gcs.size()), gcs.size());
    assertEquals(201, answer.statusCode(), () -> "upload answered " + answer.bodyAsString() + nodeTrouble());

    JsonObject uploaded = Rest.check(answer, 201).result();
    assertEquals(SIZE, uploaded.getLong("size"));
    assertEquals("text/plain", uploaded.getString("contentType"));
    assertEquals(sha256, uploaded.getString("sha256"));
    String path = "/api/attachments/" + uploaded.getString("attachmentId");

    // Back, hashed as it arrives: the test holds no more of it than the node does.
    HttpClient http = node.vertx().createHttpClient();
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    AtomicLong received = new AtomicLong();
    long downloadStarted = System.nanoTime();
    HttpClientResponse whole = await(http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
        .setPort(node.port()).setURI(path).putHeader("Authorization", "Bearer " + room.token("alice")))
      .compose(request -> request.send())
      .compose(response -> {
        response.handler(chunk -> {
          digest.update(chunk.getBytes());
          received.addAndGet(chunk.length());
        });
        return response.end().map(response);
      })
      .recover(err -> Future.failedFuture(new AssertionError("download broke after " + received.get() + " bytes: " + err + nodeTrouble(), err))), 90);
    double downloadSeconds = (System.nanoTime() - downloadStarted) / 1e9;
    assertEquals(200, whole.statusCode());
    assertEquals(String.valueOf(SIZE), whole.getHeader("Content-Length"));
    assertEquals(SIZE, received.get(), () -> "bytes received" + nodeTrouble());
    assertEquals(sha256, HexFormat.of().formatHex(digest.digest()), "the bytes that come back are the bytes that went up");
    await(http.close());

    // The last 1000 bytes: from the middle of the last chunk to the end.
    long first = SIZE - 1000;
    HttpResponse<Buffer> tail = await(node.rest().call(HttpMethod.GET, path.substring("/api".length()), room.token("alice"), null,
      MultiMap.caseInsensitiveMultiMap().add("Range", "bytes=" + first + "-")));
    assertEquals(206, tail.statusCode());
    assertEquals("bytes " + first + "-" + (SIZE - 1) + "/" + SIZE, tail.getHeader("Content-Range"));
    assertArrayEquals(bytesOf(file, first, 1000), tail.bodyAsBuffer().getBytes());

    // Alive means serving: the process runs, and its store still takes a write.
    assertTrue(node.process().isAlive(), "the node survived");
    await(node.rest().user("big", "after-the-upload"));
    long liveAfter = liveHeapAfterFullGc();
    String trouble = nodeTrouble();
    assertEquals("", trouble, "the node ran out of memory somewhere on the way");

    long afterGcPeak = duringUpload.stream().mapToLong(GcEvent::afterBytes).max().orElse(0);
    long beforeGcPeak = duringUpload.stream().mapToLong(GcEvent::beforeBytes).max().orElse(0);
    long[] afters = duringUpload.stream().mapToLong(GcEvent::afterBytes).sorted().toArray();
    long afterGcMedian = afters.length == 0 ? 0 : afters[afters.length / 2];
    long fullGcs = duringUpload.stream().filter(e -> e.line().contains("Pause Full")).count();
    double bodySeconds = bodyReceivedNanos.get() / 1e9;
    System.out.printf("LARGE UPLOAD (%s, embedded store): 200 MB up in %.1f s = %.1f MB/s (body received after %s s, stored in the"
        + " remaining %s s), down in %.1f s = %.1f MB/s; heap during the upload: peak %.1f MB before a collection, after one at most"
        + " %.1f MB, median %.1f MB (%d collections, %d full), /metrics peak %.1f MB; live after a full GC: %.1f MB before, %.1f MB after%n",
      XMX, uploadSeconds, 200 / uploadSeconds, bodySeconds == 0 ? "?" : String.format("%.1f", bodySeconds),
      bodySeconds == 0 ? "?" : String.format("%.1f", uploadSeconds - bodySeconds), downloadSeconds, 200 / downloadSeconds,
      beforeGcPeak / MB, afterGcPeak / MB, afterGcMedian / MB, duringUpload.size(), fullGcs, sampledPeak.get() / MB, liveBefore / MB,
      liveAfter / MB);
    // G1 runs the heap close to -Xmx before it collects, and a collection now and then meets a store commit's buffer:
    // the typical collection shows what the upload holds at a time.
    assertTrue(afterGcMedian < MEDIAN_AFTER_GC_LIMIT, "the upload holds a few chunks at a time: after a collection the heap"
      + " had typically " + afterGcMedian / MB + " MB");
    assertTrue(liveAfter - liveBefore < RETAINED_SLACK,
      "the node keeps nothing of the file: live heap " + liveBefore / MB + " MB before, " + liveAfter / MB + " MB after");
  }

  /** The sum of the heap pools' use on the node's /metrics. */
  private static Future<Long> heapUsed() {
    return node.clients().web().get(node.port(), "127.0.0.1", "/metrics").send().map(response -> {
      long sum = 0;
      for (String line : response.bodyAsString().split("\n")) {
        if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
          sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return sum;
    });
  }

  /** The largest file in the node's uploads dir (where the body handler writes the upload as it arrives). */
  private static long uploadedBytes() {
    try (Stream<Path> files = Files.list(node.dataDir().resolve(UPLOADS))) {
      return files.mapToLong(f -> f.toFile().length()).max().orElse(0);
    } catch (Exception e) {
      return 0;
    }
  }

  /** Has the node collect everything ({@code jcmd GC.run}, a full GC) and answers what is left: what it really holds. */
  private static long liveHeapAfterFullGc() throws Exception {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    Process gc = new ProcessBuilder(jcmd, String.valueOf(node.process().pid()), "GC.run").redirectErrorStream(true).start();
    String out = new String(gc.getInputStream().readAllBytes());
    assertTrue(gc.waitFor(30, TimeUnit.SECONDS) && gc.exitValue() == 0, "jcmd GC.run: " + out);
    for (int i = 0; i < 50; i++) {
      List<GcEvent> events = gcLog();
      if (!events.isEmpty() && events.get(events.size() - 1).line().contains("Diagnostic Command")) {
        return events.get(events.size() - 1).afterBytes();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no full GC in the node's GC log after jcmd GC.run");
  }

  /**
   * OutOfMemoryErrors in the node's log, which a node survives while some part of it (a store thread) died:
   * "" if none; else the node's log and GC log are kept in target/ (its data directory goes with the test).
   */
  private static String nodeTrouble() {
    try {
      List<String> oom = Files.readAllLines(node.process().log()).stream().filter(l -> l.contains("OutOfMemoryError")).toList();
      if (oom.isEmpty()) {
        return "";
      }
      Path kept = Path.of("target", "LargeUploadTest-node.log");
      Files.copy(node.process().log(), kept, StandardCopyOption.REPLACE_EXISTING);
      Files.copy(node.dataDir().resolve(GC_LOG), Path.of("target", "LargeUploadTest-gc.log"), StandardCopyOption.REPLACE_EXISTING);
      return "\n" + oom.size() + " OutOfMemoryError lines in the node's log (kept in " + kept + " with the GC log), first: " + oom.get(0);
    } catch (Exception e) {
      return "\n(node log unreadable: " + e + ")";
    }
  }

  /** One collection in the node's GC log: heap occupancy before and after it. */
  record GcEvent(long beforeBytes, long afterBytes, String line) {
  }

  private static final Pattern HEAP_CHANGE = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

  private static List<GcEvent> gcLog() throws Exception {
    return Files.readAllLines(node.dataDir().resolve(GC_LOG)).stream().map(line -> {
      Matcher m = HEAP_CHANGE.matcher(line);
      return m.find() ? new GcEvent(bytes(m.group(1), m.group(2)), bytes(m.group(3), m.group(4)), line) : null;
    }).filter(Objects::nonNull).toList();
  }

  private static long bytes(String number, String unit) {
    return Long.parseLong(number) << switch (unit) {
      case "K" -> 10;
      case "M" -> 20;
      default -> 30;
    };
  }

  private static byte[] bytesOf(Path file, long from, int length) throws Exception {
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      byte[] bytes = new byte[length];
      in.seek(from);
      in.readFully(bytes);
      return bytes;
    }
  }
}
