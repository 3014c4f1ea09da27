package io.parley.attachments;

import io.parley.testing.ClamdProcess;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfMany;
import io.parley.testing.TestFiles;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Uploads scanned by a real clamd (Debian's, with a signature database made by the test kit for the
 * EICAR test string): infected files are refused and nothing of them is stored, also inside a zip
 * (clamd unpacks archives); clean files are stored with the verdict; with clamd stopped every upload is
 * refused (fail closed) until it is back; the health page says what it sees.
 */
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScanningTest {

  @RegisterExtension
  @org.junit.jupiter.api.Order(1)
  static final ClamdProcess clamd = new ClamdProcess();

  @RegisterExtension
  @org.junit.jupiter.api.Order(2)
  static final ParleyNodeExtension node = ParleyNodeExtension.inProcess()
    .with(() -> new JsonObject().put("attachments", new JsonObject().put("clamd", clamd.address()).put("scan_timeout_ms", 3000)));

  @TempDir
  Path dir;

  @Test
  @Order(1)
  void infected_files_are_refused_and_nothing_of_them_is_kept() throws Exception {
    RoomOfMany room = await(RoomOfMany.create(node.rest(), "scanned", "scanned", List.of("alice"), List.of()));
    TestFiles files = new TestFiles(dir);
    String token = room.token("alice");
    long storedBefore = await(node.countIn("attachment_files.files"));

    assertError(await(node.rest().upload(token, room.roomId(), files.write("eicar.txt", ClamdProcess.EICAR), "eicar.txt", "text/plain")),
      422, "FILE_INFECTED");
    assertError(await(node.rest().upload(token, room.roomId(), files.zip("innocent.zip", "readme.txt", "hello",
      "tools/eicar.com", new String(ClamdProcess.EICAR, StandardCharsets.US_ASCII)), "innocent.zip", "application/zip")), 422, "FILE_INFECTED");
    // Renamed and declared as an image: still found (the type is text, the scan reads the bytes).
    HttpResponse<Buffer> disguised = await(node.rest().upload(token, room.roomId(), files.write("cat.png", ClamdProcess.EICAR), "cat.png", "image/png"));
    assertError(disguised, 422, "FILE_INFECTED");
    assertTrue(disguised.bodyAsJsonObject().getJsonObject("error").getString("message").contains(ClamdProcess.EICAR_SIGNATURE));
    assertEquals(storedBefore, await(node.countIn("attachment_files.files")), "nothing of an infected file is stored");

    JsonObject clean = await(node.rest().uploaded(token, room.roomId(), files.zip("clean.zip", "a.txt", "all good"), "clean.zip"));
    JsonObject record = await(node.inStore(client -> client.findOne("attachments", new JsonObject().put("_id", clean.getString("attachmentId")), null)));
    assertEquals("clean", record.getString("scan"));
    assertEquals(storedBefore + 1, await(node.countIn("attachment_files.files")));

    JsonObject scanner = check(await(detailedHealth()), "scanner");
    assertEquals("UP", scanner.getString("status"));
    assertEquals(new JsonObject().put("scanning", "on").put("clamd", clamd.address()), scanner.getJsonObject("data"));
  }

  @Test
  @Order(2)
  void with_clamd_stopped_uploads_fail_closed_until_it_is_back() throws Exception {
    RoomOfMany room = await(RoomOfMany.create(node.rest(), "unscanned", "unscanned", List.of("alice"), List.of()));
    Path clean = new TestFiles(dir).text("notes.txt", "nothing to see");
    long storedBefore = await(node.countIn("attachment_files.files"));
    clamd.kill();
    try {
      assertError(await(node.rest().upload(room.token("alice"), room.roomId(), clean, "notes.txt", "text/plain")), 503, "SCAN_UNAVAILABLE");
      assertEquals(storedBefore, await(node.countIn("attachment_files.files")), "nothing is stored unscanned");
      HttpResponse<Buffer> health = await(detailedHealth());
      assertEquals(503, health.statusCode(), "scanning on with clamd gone is DOWN: " + health.bodyAsString());
      assertEquals("DOWN", check(health, "scanner").getString("status"));
    } finally {
      clamd.start();
    }
    await(node.rest().uploaded(room.token("alice"), room.roomId(), clean, "notes.txt"));
  }

  private static io.vertx.core.Future<HttpResponse<Buffer>> detailedHealth() {
    WebClient web = WebClient.create(node.vertx());
    return web.get(node.port(), "127.0.0.1", "/health/detailed").send().onComplete(done -> web.close());
  }

  private static JsonObject check(HttpResponse<Buffer> health, String id) {
    JsonArray checks = health.bodyAsJsonObject().getJsonArray("checks");
    return checks.stream().map(JsonObject.class::cast).filter(c -> id.equals(c.getString("id"))).findFirst()
      .orElseThrow(() -> new AssertionError("no check " + id + " in " + health.bodyAsString()));
  }
}
