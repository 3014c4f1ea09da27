package io.parley.attachments;

import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfMany;
import io.parley.testing.TestFiles;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The configured bounds of attachments, each refused with its code and nothing kept: bytes per file
 * (while the body streams in), files per message, bytes per user per day (given back when an upload is
 * refused later; refused before the body is read once spent).
 */
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class AttachmentLimitsTest {

  private static final int MAX_FILE = 2 * 1024 * 1024;

  @RegisterExtension
  static final ParleyNodeExtension node = ParleyNodeExtension.inProcess().with(new JsonObject().put("attachments", new JsonObject()
    .put("max_file_bytes", MAX_FILE).put("files_per_message", 3).put("bytes_per_user_per_day", 3 * MAX_FILE)));

  @TempDir
  Path dir;

  @Test
  void a_file_over_the_size_limit_is_refused_while_it_streams_in_and_nothing_is_kept() throws Exception {
    RoomOfMany room = await(RoomOfMany.create(node.rest(), "sizes", "sizes", List.of("alice"), List.of()));
    TestFiles files = new TestFiles(dir);
    long before = await(node.countIn("attachment_files.files"));
    HttpResponse<Buffer> big = await(node.rest().upload(room.token("alice"), room.roomId(), files.largeText("big.txt", 3L * 1024 * 1024),
      "big.txt", "text/plain"));
    assertError(big, 413, "PAYLOAD_TOO_LARGE");
    assertTrue(big.bodyAsJsonObject().getJsonObject("error").getString("message").contains(String.valueOf(MAX_FILE)));
    assertEquals(before, await(node.countIn("attachment_files.files")));
    // Exactly the limit is fine; refused bytes were not counted against the day.
    for (int i = 0; i < 3; i++) {
      await(node.rest().uploaded(room.token("alice"), room.roomId(), files.largeText("max-" + i + ".txt", MAX_FILE), "max.txt"));
    }
    // The day's bytes are spent: refused before the body is read, with when to come back.
    HttpResponse<Buffer> spent = await(node.rest().upload(room.token("alice"), room.roomId(), files.text("one-more.txt", "x"), "x.txt", "text/plain"));
    assertError(spent, 429, "RATE_LIMITED");
    long retryAfter = Long.parseLong(spent.getHeader("Retry-After"));
    assertTrue(retryAfter > 0 && retryAfter <= 86_400, "until midnight UTC: " + retryAfter);
  }

  @Test
  void refused_uploads_give_their_bytes_back() throws Exception {
    RoomOfMany room = await(RoomOfMany.create(node.rest(), "giveback", "giveback", List.of("alice"), List.of()));
    TestFiles files = new TestFiles(dir);
    Path exe = files.executable("x.png");
    for (int i = 0; i < 20; i++) {
      assertError(await(node.rest().upload(room.token("alice"), room.roomId(), exe, "x.png", "image/png")), 415, "UNSUPPORTED_FILE_TYPE");
    }
    JsonObject used = await(node.inStore(client -> client.findOne("attachment_quota", new JsonObject().put("_id", new JsonObject()
      .put("$regex", "^giveback/")), null)));
    assertNotNull(used);
    assertEquals(0L, used.getLong("bytes"), "20 refused uploads count nothing: " + used);
  }

  @Test
  void a_message_may_carry_a_bounded_number_of_attachments() throws Exception {
    RoomOfMany room = await(RoomOfMany.create(node.rest(), "many", "many", List.of("alice"), List.of()));
    TestFiles files = new TestFiles(dir);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(await(node.rest().uploaded(room.token("alice"), room.roomId(), files.text("f" + i + ".txt", "file " + i), "f.txt"))
        .getString("attachmentId"));
    }
    assertError(await(node.rest().post("/conversations/" + room.roomId() + "/messages", room.token("alice"), new JsonObject()
      .put("clientMsgId", "four").put("text", "").put("attachments", new JsonArray(ids)))), 413, "TOO_MANY_ATTACHMENTS");
    JsonObject three = await(node.rest().sendWith(room.token("alice"), room.roomId(), "three", "", ids.subList(0, 3)));
    assertEquals(3, three.getJsonArray("attachments").size(), "the refused message claimed nothing");
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 101; i++) {
      tooMany.add("id-" + i);
    }
    assertError(await(node.rest().post("/conversations/" + room.roomId() + "/messages", room.token("alice"), new JsonObject()
      .put("clientMsgId", "flood").put("text", "").put("attachments", tooMany))), 400, "VALIDATION_FAILED");
  }
}
