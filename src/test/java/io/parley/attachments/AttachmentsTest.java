package io.parley.attachments;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.parley.testing.RoomOfMany;
import io.parley.testing.TestFiles;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attachments on one node over REST: upload, the type decided from the bytes, previews, who may download
 * (the uploader; members once a message carries it; nobody once it is deleted), the download's headers,
 * ETag and ranges, and the claims that tie an upload to one message. Scanning is off here (ScanningTest
 * runs a real clamd); limits are in AttachmentLimitsTest.
 */
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class AttachmentsTest {

  @RegisterExtension
  static final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  @TempDir
  Path dir;

  private Rest rest() {
    return node.rest();
  }

  @Test
  void an_image_round_trips_with_its_preview_and_is_read_by_members_only_once_sent() throws Exception {
    RoomOfMany room = await(RoomOfMany.create(rest(), "photos", "photos", List.of("alice", "bob"), List.of("carol")));
    TestFiles files = new TestFiles(dir);
    Path photo = files.png("photo.png", 1200, 800);

    // Declared as anything: the server says what the bytes are.
    HttpResponse<Buffer> answer = await(rest().upload(room.token("alice"), room.roomId(), photo, "holiday photo.png", "application/x-whatever"));
    JsonObject uploaded = Rest.check(answer, 201).result();
    String id = uploaded.getString("attachmentId");
    assertEquals("holiday photo.png", uploaded.getString("name"));
    assertEquals(Files.size(photo), uploaded.getLong("size"));
    assertEquals("image/png", uploaded.getString("contentType"));
    assertEquals(TestFiles.sha256(photo), uploaded.getString("sha256"));
    assertEquals(new JsonObject().put("width", 1200).put("height", 800), uploaded.getJsonObject("image"));
    assertEquals(true, uploaded.getBoolean("thumbnail"));

    // Before a message carries it, the upload is the uploader's alone.
    HttpResponse<Buffer> own = await(rest().get("/attachments/" + id, room.token("alice")));
    assertEquals(200, own.statusCode());
    assertArrayEquals(Files.readAllBytes(photo), own.bodyAsBuffer().getBytes());
    assertEquals("image/png", own.getHeader("Content-Type"));
    assertEquals("nosniff", own.getHeader("X-Content-Type-Options"));
    assertTrue(own.getHeader("Content-Disposition").startsWith("inline; filename=\"holiday photo.png\""), own.getHeader("Content-Disposition"));
    assertEquals('"' + uploaded.getString("sha256") + '"', own.getHeader("ETag"));
    assertError(await(rest().get("/attachments/" + id, room.token("bob"))), 404, "ATTACHMENT_NOT_FOUND");

    JsonObject message = await(rest().sendWith(room.token("alice"), room.roomId(), "with-photo", "look", List.of(id)));
    JsonObject carried = message.getJsonArray("attachments").getJsonObject(0);
    assertEquals(id, carried.getString("attachmentId"));
    assertEquals("image/png", carried.getString("contentType"));
    JsonObject inHistory = await(rest().history(room.token("bob"), room.roomId(), "")).getJsonArray("messages").getJsonObject(0);
    assertEquals(message.getJsonArray("attachments"), inHistory.getJsonArray("attachments"));

    HttpResponse<Buffer> bobs = await(rest().get("/attachments/" + id, room.token("bob")));
    assertEquals(200, bobs.statusCode());
    assertArrayEquals(Files.readAllBytes(photo), bobs.bodyAsBuffer().getBytes());
    HttpResponse<Buffer> thumbnail = await(rest().get("/attachments/" + id + "/thumbnail", room.token("bob")));
    assertEquals(200, thumbnail.statusCode());
    BufferedImage preview = ImageIO.read(new ByteArrayInputStream(thumbnail.bodyAsBuffer().getBytes()));
    assertNotNull(preview, "the preview is an image: " + thumbnail.getHeader("Content-Type"));
    assertEquals(320, Math.max(preview.getWidth(), preview.getHeight()));
    assertEquals(213, Math.min(preview.getWidth(), preview.getHeight()), "aspect kept");

    // Not a member, another tenant, a made-up id: the same 404.
    assertError(await(rest().get("/attachments/" + id, room.token("carol"))), 404, "ATTACHMENT_NOT_FOUND");
    JsonObject stranger = await(rest().user("photos-elsewhere", "mallory"));
    assertError(await(rest().get("/attachments/" + id, stranger.getString("accessToken"))), 404, "ATTACHMENT_NOT_FOUND");
    assertError(await(rest().get("/attachments/" + id + "/thumbnail", stranger.getString("accessToken"))), 404, "ATTACHMENT_NOT_FOUND");
    assertError(await(rest().get("/attachments/00000000-0000-0000-0000-000000000000", room.token("bob"))), 404, "ATTACHMENT_NOT_FOUND");

    // Deleting the message deletes its attachments.
    assertEquals(200, await(rest().call(HttpMethod.DELETE, "/messages/" + message.getString("id"), room.token("alice"), null)).statusCode());
    assertError(await(rest().get("/attachments/" + id, room.token("bob"))), 404, "ATTACHMENT_NOT_FOUND");
    assertError(await(rest().get("/attachments/" + id, room.token("alice"))), 404, "ATTACHMENT_NOT_FOUND");
    assertError(await(rest().get("/attachments/" + id + "/thumbnail", room.token("alice"))), 404, "ATTACHMENT_NOT_FOUND");
    JsonObject tombstone = await(rest().history(room.token("bob"), room.roomId(), "")).getJsonArray("messages").getJsonObject(0);
    assertEquals(null, tombstone.getValue("attachments"), "a tombstone carries no attachments: " + tombstone);
    // A late resend of the deleted message is answered as any resend: the tombstone, not a missing file.
    HttpResponse<Buffer> resent = await(rest().post("/conversations/" + room.roomId() + "/messages", room.token("alice"),
      new JsonObject().put("clientMsgId", "with-photo").put("text", "look").put("attachments", new io.vertx.core.json.JsonArray().add(id))));
    assertEquals(201, resent.statusCode(), resent.bodyAsString());
    assertEquals(true, resent.bodyAsJsonObject().getBoolean("deleted"));
    assertEquals("true", resent.getHeader("Idempotent-Replayed"));
  }

  @Test
  void over_the_bridge_a_message_carries_files_and_without_clamd_health_says_scanning_is_off() throws Exception {
    RoomOfMany room = await(RoomOfMany.create(rest(), "bridged", "bridged", List.of("alice", "bob"), List.of()));
    String id = await(rest().uploaded(room.token("alice"), room.roomId(), new TestFiles(dir).pdf("report.pdf"), "report.pdf"))
      .getString("attachmentId");
    BridgeClient bob = await(node.online(room.user("bob")));
    BridgeClient alice = await(node.online(room.user("alice")));
    JsonObject sent = await(alice.request("parley.delivery.send", new JsonObject().put("conversationId", room.roomId())
      .put("clientMsgId", "bridge-file").put("text", "").put("attachments", new io.vertx.core.json.JsonArray().add(id))));
    assertEquals(id, sent.getJsonArray("attachments").getJsonObject(0).getString("attachmentId"));
    JsonObject live = await(bob.awaitMessages(room.roomId(), 1)).get(0).getJsonObject("message");
    assertEquals("application/pdf", live.getJsonArray("attachments").getJsonObject(0).getString("contentType"));

    HttpResponse<Buffer> health = await(node.clients().web().get(node.port(), "127.0.0.1", "/health/detailed").send());
    JsonObject scanner = health.bodyAsJsonObject().getJsonArray("checks").stream().map(JsonObject.class::cast)
      .filter(check -> "scanner".equals(check.getString("id"))).findFirst().orElseThrow();
    assertEquals("UP", scanner.getString("status"));
    assertEquals(new JsonObject().put("scanning", "off"), scanner.getJsonObject("data"));
  }

  @Test
  void downloads_answer_etags_and_ranges() throws Exception {
    RoomOfMany room = await(RoomOfMany.create(rest(), "ranges", "ranges", List.of("alice"), List.of()));
    Path text = new TestFiles(dir).largeText("notes.txt", 3 * 1024 * 1024 + 17);
    byte[] bytes = Files.readAllBytes(text);
    JsonObject uploaded = await(rest().uploaded(room.token("alice"), room.roomId(), text, "notes.txt"));
    String path = "/attachments/" + uploaded.getString("attachmentId");
    String etag = '"' + uploaded.getString("sha256") + '"';

    HttpResponse<Buffer> whole = await(rest().get(path, room.token("alice")));
    assertEquals("text/plain", whole.getHeader("Content-Type"));
    assertTrue(whole.getHeader("Content-Disposition").startsWith("attachment;"), "text is never shown in place");
    assertEquals("bytes", whole.getHeader("Accept-Ranges"));
    assertArrayEquals(bytes, whole.bodyAsBuffer().getBytes());

    assertEquals(304, await(rest().call(HttpMethod.GET, path, room.token("alice"), null, headers("If-None-Match", etag))).statusCode());
    assertEquals(304, await(rest().call(HttpMethod.GET, path, room.token("alice"), null,
      headers("If-None-Match", "\"other\", W/" + etag))).statusCode(), "a list, compared weakly");
    assertEquals(200, await(rest().call(HttpMethod.GET, path, room.token("alice"), null, headers("If-None-Match", "\"other\""))).statusCode());
    // Across a chunk boundary, an open end, a suffix, one byte.
    long chunk = FileStore.CHUNK_BYTES;
    long[][] ranges = {{chunk - 10, chunk + 9}, {3 * 1024 * 1024, bytes.length - 1}, {bytes.length - 100, bytes.length - 1}, {5, 5}};
    String[] headers = {"bytes=" + (chunk - 10) + "-" + (chunk + 9), "bytes=3145728-", "bytes=-100", "bytes=5-5"};
    for (int i = 0; i < ranges.length; i++) {
      HttpResponse<Buffer> part = await(rest().call(HttpMethod.GET, path, room.token("alice"), null, headers("Range", headers[i])));
      assertEquals(206, part.statusCode(), headers[i]);
      assertEquals("bytes " + ranges[i][0] + "-" + ranges[i][1] + "/" + bytes.length, part.getHeader("Content-Range"));
      assertArrayEquals(Arrays.copyOfRange(bytes, (int) ranges[i][0], (int) ranges[i][1] + 1), part.bodyAsBuffer().getBytes(), headers[i]);
    }
    HttpResponse<Buffer> past = await(rest().call(HttpMethod.GET, path, room.token("alice"), null, headers("Range", "bytes=99999999-")));
    assertError(past, 416, "RANGE_NOT_SATISFIABLE");
    assertEquals("bytes */" + bytes.length, past.getHeader("Content-Range"));
    // Several ranges or nonsense: the whole file, as the RFC allows.
    HttpResponse<Buffer> several = await(rest().call(HttpMethod.GET, path, room.token("alice"), null, headers("Range", "bytes=0-1,5-6")));
    assertEquals(200, several.statusCode());
    assertEquals(bytes.length, several.bodyAsBuffer().length());
    // A stale If-Range: the whole (new) file.
    HttpResponse<Buffer> stale = await(rest().call(HttpMethod.GET, path, room.token("alice"), null,
      headers("Range", "bytes=0-9").add("If-Range", "\"something-else\"")));
    assertEquals(200, stale.statusCode());
  }

  @Test
  void the_type_is_decided_from_the_bytes() throws Exception {
    RoomOfMany room = await(RoomOfMany.create(rest(), "types", "types", List.of("alice"), List.of()));
    TestFiles files = new TestFiles(dir);
    String token = room.token("alice");

    assertError(await(rest().upload(token, room.roomId(), files.executable("cat.png"), "cat.png", "image/png")), 415, "UNSUPPORTED_FILE_TYPE");
    assertError(await(rest().upload(token, room.roomId(), files.executable("setup.exe"), "setup.exe", "application/octet-stream")), 415, "UNSUPPORTED_FILE_TYPE");
    Path page = files.text("note.txt", "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>");
    assertError(await(rest().upload(token, room.roomId(), page, "note.txt", "text/plain")), 415, "UNSUPPORTED_FILE_TYPE");
    Path svg = files.text("logo.png", "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>");
    assertError(await(rest().upload(token, room.roomId(), svg, "logo.png", "image/png")), 415, "UNSUPPORTED_FILE_TYPE");

    assertType(token, room, files.text("readme.md.png", "just some words, nothing else\n"), "readme.md.png", "text/plain");
    assertType(token, room, files.pdf("report.txt"), "report.txt", "application/pdf");
    assertType(token, room, files.jpeg("scan.gif", 64, 48), "scan.gif", "image/jpeg");
    assertType(token, room, files.zip("bundle.zip", "a.txt", "a"), "bundle.zip", "application/zip");
    assertType(token, room, files.docx("letter.docx"), "letter.docx",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    // The name only narrows what the bytes say, within their family: a zip named .docx is taken as Word
    // (Tika's rule), an executable named .png stays an executable (above).
  }

  @Test
  void a_decompression_bomb_is_refused_before_it_is_decoded() throws Exception {
    RoomOfMany room = await(RoomOfMany.create(rest(), "bombs", "bombs", List.of("alice"), List.of()));
    Path bomb = new TestFiles(dir).pngBomb("small.png", 50_000, 50_000);
    assertTrue(Files.size(bomb) < 16 * 1024, "a few KB: " + Files.size(bomb));
    assertError(await(rest().upload(room.token("alice"), room.roomId(), bomb, "small.png", "image/png")), 413, "IMAGE_TOO_LARGE");
    // The node is fine: the next upload works.
    await(rest().uploaded(room.token("alice"), room.roomId(), new TestFiles(dir).png("fine.png", 10, 10), "fine.png"));
  }

  @Test
  void an_upload_belongs_to_one_message_of_its_uploader_in_its_conversation() throws Exception {
    RoomOfMany room = await(RoomOfMany.create(rest(), "claims", "claims", List.of("alice", "bob"), List.of()));
    String otherRoom = await(rest().createConversation(room.token("alice"), new JsonObject().put("type", "room").put("name", "claims-2")))
      .getString("id");
    TestFiles files = new TestFiles(dir);
    String id = await(rest().uploaded(room.token("alice"), room.roomId(), files.text("a.txt", "a"), "a.txt")).getString("attachmentId");

    assertError(await(sendWith(room.token("bob"), room.roomId(), "bob-1", List.of(id))), 404, "ATTACHMENT_NOT_FOUND");
    assertError(await(sendWith(room.token("alice"), otherRoom, "elsewhere-1", List.of(id))), 404, "ATTACHMENT_NOT_FOUND");
    JsonObject first = await(rest().sendWith(room.token("alice"), room.roomId(), "first", "", List.of(id)));
    assertEquals("", first.getString("text"), "a file alone is a message");
    HttpResponse<Buffer> resend = await(sendWith(room.token("alice"), room.roomId(), "first", List.of(id)));
    assertEquals(201, resend.statusCode(), resend.bodyAsString());
    assertEquals(first.getString("id"), resend.bodyAsJsonObject().getString("id"));
    assertError(await(sendWith(room.token("alice"), room.roomId(), "second", List.of(id))), 409, "ATTACHMENT_IN_USE");
    // A clientMsgId reused for another text is refused, and the new upload it named stays free.
    String named = await(rest().uploaded(room.token("alice"), room.roomId(), files.text("n.txt", "n"), "n.txt")).getString("attachmentId");
    assertError(await(rest().post("/conversations/" + room.roomId() + "/messages", room.token("alice"), new JsonObject()
      .put("clientMsgId", "first").put("text", "another text").put("attachments", new io.vertx.core.json.JsonArray().add(named)))),
      409, "CLIENT_MSG_ID_REUSED");
    assertEquals(201, await(sendWith(room.token("alice"), room.roomId(), "first-again", List.of(named))).statusCode());

    // All or none: a failed claim takes nothing, so the good upload is still free for the next message.
    String free = await(rest().uploaded(room.token("alice"), room.roomId(), files.text("b.txt", "b"), "b.txt")).getString("attachmentId");
    assertError(await(sendWith(room.token("alice"), room.roomId(), "third", List.of(free, id))), 409, "ATTACHMENT_IN_USE");
    assertEquals(201, await(sendWith(room.token("alice"), room.roomId(), "fourth", List.of(free))).statusCode());
    // A send refused for another reason (its thread parent is in another conversation) claims nothing either.
    String elsewhere = await(rest().send(room.token("alice"), otherRoom, "parent", "a parent elsewhere")).getString("id");
    String spare = await(rest().uploaded(room.token("alice"), room.roomId(), files.text("c.txt", "c"), "c.txt")).getString("attachmentId");
    assertError(await(rest().post("/conversations/" + room.roomId() + "/messages", room.token("alice"), new JsonObject()
      .put("clientMsgId", "fifth").put("text", "").put("threadOf", elsewhere).put("attachments", new io.vertx.core.json.JsonArray().add(spare)))),
      422, "THREAD_PARENT_INVALID");
    assertEquals(201, await(sendWith(room.token("alice"), room.roomId(), "sixth", List.of(spare))).statusCode());

    assertError(await(rest().post("/conversations/" + room.roomId() + "/messages", room.token("alice"),
      new JsonObject().put("clientMsgId", "bad").put("attachments", "not-a-list"))), 400, "VALIDATION_FAILED");
    assertError(await(rest().post("/conversations/" + room.roomId() + "/messages", room.token("alice"),
      new JsonObject().put("clientMsgId", "bad").put("attachments", new io.vertx.core.json.JsonArray().add("../../etc/passwd")))), 400, "VALIDATION_FAILED");
    assertError(await(rest().post("/conversations/" + room.roomId() + "/messages", room.token("alice"),
      new JsonObject().put("clientMsgId", "bad").put("text", ""))), 400, "VALIDATION_FAILED");
  }

  @Test
  void malformed_uploads_are_refused_with_a_code() throws Exception {
    RoomOfMany room = await(RoomOfMany.create(rest(), "malformed", "malformed", List.of("alice"), List.of("carol")));
    TestFiles files = new TestFiles(dir);
    String path = "/conversations/" + room.roomId() + "/attachments";
    assertError(await(rest().post(path, room.token("alice"), new JsonObject().put("file", "x"))), 415, "UNSUPPORTED_MEDIA_TYPE");
    assertError(await(rest().upload(room.token("alice"), room.roomId(), files.write("empty.txt", new byte[0]), "empty.txt", "text/plain")),
      400, "VALIDATION_FAILED");
    assertError(await(rest().upload(null, room.roomId(), files.text("a.txt", "a"), "a.txt", "text/plain")), 401, "UNAUTHENTICATED");
    assertError(await(rest().upload(room.token("carol"), room.roomId(), files.text("a.txt", "a"), "a.txt", "text/plain")), 403, "NOT_A_MEMBER");
    assertError(await(rest().upload(room.token("alice"), "00000000-0000-0000-0000-000000000000", files.text("a.txt", "a"), "a.txt", "text/plain")),
      404, "CONVERSATION_NOT_FOUND");
  }

  private void assertType(String token, RoomOfMany room, Path file, String name, String expected) throws Exception {
    HttpResponse<Buffer> answer = await(rest().upload(token, room.roomId(), file, name, "application/octet-stream"));
    assertEquals(201, answer.statusCode(), name + ": " + answer.bodyAsString());
    assertEquals(expected, answer.bodyAsJsonObject().getString("contentType"), name);
  }

  private io.vertx.core.Future<HttpResponse<Buffer>> sendWith(String token, String roomId, String clientMsgId, List<String> ids) {
    return rest().post("/conversations/" + roomId + "/messages", token, new JsonObject().put("clientMsgId", clientMsgId)
      .put("text", "").put("attachments", new io.vertx.core.json.JsonArray(ids)));
  }

  private static MultiMap headers(String name, String value) {
    return MultiMap.caseInsensitiveMultiMap().add(name, value);
  }
}
