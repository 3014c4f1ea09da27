package io.parley.cluster;

import io.parley.testing.BridgeClient;
import io.parley.testing.ClusterExtension;
import io.parley.testing.Rest;
import io.parley.testing.RoomOfMany;
import io.parley.testing.ScriptCluster;
import io.parley.testing.TestFiles;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attachments on two clustered instances behind a real nginx, one shared store ({@link ClusterExtension}):
 * what one instance stored, the other serves, through nginx and directly; members only, on both; and a
 * message deleted on one instance takes its files away on the other. Requests go to an instance's own
 * port when the test needs that instance, through nginx otherwise (nginx spreads them; which instance
 * took the nginx upload is read from the instances' access logs and printed).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AttachmentsClusterIT {

  private static final long BIG = 20L * 1024 * 1024 + 123;

  @RegisterExtension
  final ClusterExtension clusters = new ClusterExtension();

  @TempDir
  Path dir;

  @Test
  void files_stored_through_one_instance_are_served_by_the_other_to_members_only_until_the_message_is_deleted() throws Exception {
    ScriptCluster cluster = clusters.create();
    int nginx = cluster.up(2);
    List<ScriptCluster.Instance> instances = cluster.ps();
    int portA = port(instances.get(0));
    int portB = port(instances.get(1));
    Map<String, Integer> instanceOf = cluster.instancesByNodeId();
    Rest viaNginx = clusters.clients().rest(nginx);
    Rest onA = clusters.clients().rest(portA);
    Rest onB = clusters.clients().rest(portB);

    RoomOfMany room = await(RoomOfMany.create(viaNginx, "files", "files", List.of("alice", "bob"), List.of("carol")));
    BridgeClient bob = await(clusters.clients().bridge(portB));
    assertEquals(2, instanceOf.get(await(bob.register(room.user("bob"))).getString("node")), "bob is connected to instance B");

    // alice uploads a photo on instance A, and a 20 MB file through nginx (its upload location streams it on).
    TestFiles files = new TestFiles(dir);
    Path photo = files.png("photo.png", 1200, 800);
    Path big = files.largeText("big.txt", BIG);
    JsonObject image = await(onA.uploaded(room.token("alice"), room.roomId(), photo, "photo.png"));
    assertEquals("image/png", image.getString("contentType"));
    assertEquals(TestFiles.sha256(photo), image.getString("sha256"));
    long started = System.nanoTime();
    JsonObject text = await(viaNginx.uploaded(room.token("alice"), room.roomId(), big, "big.txt"), 120);
    double seconds = (System.nanoTime() - started) / 1e9;
    assertEquals(BIG, text.getLong("size"));
    assertEquals("text/plain", text.getString("contentType"));
    assertEquals(TestFiles.sha256(big), text.getString("sha256"));
    System.out.printf("ATTACHMENTS CLUSTER: 20 MB uploaded through nginx in %.1f s (%.1f MB/s), taken by instance %s%n",
      seconds, BIG / 1048576.0 / seconds, instanceThatTook(cluster, "POST /api/conversations/" + room.roomId() + "/attachments 201", 1));

    // The message carrying both, sent on instance A, reaches bob on instance B live with its attachments.
    String imageId = image.getString("attachmentId");
    String textId = text.getString("attachmentId");
    JsonObject sent = await(onA.sendWith(room.token("alice"), room.roomId(), "with-files", "two files", List.of(imageId, textId)));
    JsonObject live = await(bob.awaitMessages(room.roomId(), 1)).get(0).getJsonObject("message");
    assertEquals(sent.getString("id"), live.getString("id"));
    JsonArray attachments = live.getJsonArray("attachments");
    assertNotNull(attachments, "the live message carries its attachments: " + live.encode());
    assertEquals(sent.getJsonArray("attachments"), attachments);
    assertEquals(List.of(imageId, textId), attachments.stream().map(a -> ((JsonObject) a).getString("attachmentId")).toList());
    assertEquals(BIG, attachments.getJsonObject(1).getLong("size"));

    // bob reads both from instance B, from instance A, and through nginx: the same bytes everywhere.
    for (Rest where : List.of(onB, onA, viaNginx)) {
      assertBytes(await(where.get("/attachments/" + imageId, room.token("bob"))), image.getString("sha256"), Files.size(photo));
      assertBytes(await(where.get("/attachments/" + textId, room.token("bob"))), text.getString("sha256"), BIG);
    }
    HttpResponse<Buffer> thumbnail = await(onB.get("/attachments/" + imageId + "/thumbnail", room.token("bob")));
    assertEquals(200, thumbnail.statusCode());
    BufferedImage preview = ImageIO.read(new ByteArrayInputStream(thumbnail.bodyAsBuffer().getBytes()));
    assertNotNull(preview, "the preview is an image: " + thumbnail.getHeader("Content-Type"));
    assertEquals(320, Math.max(preview.getWidth(), preview.getHeight()));
    HttpResponse<Buffer> range = await(viaNginx.call(HttpMethod.GET, "/attachments/" + textId, room.token("bob"), null,
      MultiMap.caseInsensitiveMultiMap().add("Range", "bytes=" + (BIG - 100) + "-")));
    assertEquals(206, range.statusCode(), "a range through nginx");
    assertEquals(100, range.bodyAsBuffer().length());

    // carol is of the tenant but not in the room: 404 on both instances, as for a made-up id.
    for (Rest where : List.of(onA, onB)) {
      for (String path : List.of("/attachments/" + imageId, "/attachments/" + textId, "/attachments/" + imageId + "/thumbnail")) {
        assertError(await(where.get(path, room.token("carol"))), 404, "ATTACHMENT_NOT_FOUND");
      }
    }

    // alice deletes the message on instance B: the files are gone on instance A (and through nginx).
    assertEquals(200, await(onB.call(HttpMethod.DELETE, "/messages/" + sent.getString("id"), room.token("alice"), null)).statusCode());
    for (Rest where : List.of(onA, viaNginx)) {
      for (String path : List.of("/attachments/" + imageId, "/attachments/" + textId, "/attachments/" + imageId + "/thumbnail")) {
        assertError(await(where.get(path, room.token("alice"))), 404, "ATTACHMENT_NOT_FOUND");
        assertError(await(where.get(path, room.token("bob"))), 404, "ATTACHMENT_NOT_FOUND");
      }
    }
  }

  private static void assertBytes(HttpResponse<Buffer> response, String sha256, long size) throws Exception {
    assertEquals(200, response.statusCode(), () -> response.bodyAsString());
    byte[] body = response.bodyAsBuffer().getBytes();
    assertEquals(size, body.length);
    assertEquals(sha256, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
    assertEquals("nosniff", response.getHeader("X-Content-Type-Options"));
  }

  private static int port(ScriptCluster.Instance instance) {
    return Integer.parseInt(instance.url().substring(instance.url().lastIndexOf(':') + 1));
  }

  /** Which instance took the upload through nginx: the one whose access log has one more upload line than it had direct uploads. */
  private static String instanceThatTook(ScriptCluster cluster, String line, int directOnA) throws Exception {
    long onA = count(cluster, 1, line) - directOnA;
    long onB = count(cluster, 2, line);
    return onA == 1 && onB == 0 ? "A" : onA == 0 && onB == 1 ? "B" : "? (A " + onA + ", B " + onB + ")";
  }

  private static long count(ScriptCluster cluster, int instance, String line) throws Exception {
    return Files.readAllLines(cluster.dir().resolve("instance-" + instance + ".log")).stream().filter(l -> l.contains(line)).count();
  }
}
