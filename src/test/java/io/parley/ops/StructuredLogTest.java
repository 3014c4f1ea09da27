package io.parley.ops;

import io.parley.testing.BridgeClient;
import io.parley.testing.NodeProcess;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code log.format: json} on a real node process: every line is one JSON object; each HTTP request has
 * an access line carrying the id answered in {@code X-Request-Id}, and the request's other lines carry
 * the same id; bridge lines carry the connection's id; no password or token is ever written. Tried with
 * the format from the environment (logback reads it from the first line) and from a config file (the
 * node switches once the config is read).
 */
class StructuredLogTest {

  private final Vertx vertx = Vertx.vertx();
  private final List<Path> dirs = new ArrayList<>();
  private NodeProcess node;

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.kill();
    }
    await(vertx.close());
    dirs.forEach(ParleyNodeExtension::deleteTree);
  }

  @Test
  void json_from_the_environment_every_line_with_its_request_or_connection_id() throws Exception {
    node = new NodeProcess(dir(), Map.of("PARLEY_LOG_FORMAT", "json")).start();
    Traffic traffic = traffic();

    List<JsonObject> lines = jsonLines(node.log(), 0);
    JsonObject access = only(lines, l -> "parley.access".equals(l.getString("logger_name"))
      && traffic.refusedId.equals(l.getString("requestId")));
    assertEquals("GET", access.getString("method"));
    assertEquals("/api/conversations/no-such-room", access.getString("path"));
    assertEquals(404, access.getInteger("status"));
    assertNotNull(access.getValue("durationMs"));
    assertEquals("127.0.0.1", access.getString("client"));
    assertEquals(traffic.userId, access.getString("userId"), "the access line names the authenticated user");
    JsonObject refused = only(lines, l -> l.getString("message", "").startsWith("refused GET /api/conversations/no-such-room"));
    assertEquals(traffic.refusedId, refused.getString("requestId"), "the request's own lines carry its id");

    JsonObject bridge = only(lines, l -> l.getString("message", "").startsWith("refused bridge frame"));
    assertTrue(bridge.getString("connectionId", "").matches("[0-9a-f]{16}"), bridge.encode());

    String all = Files.readString(node.log());
    assertFalse(all.contains(Rest.PASSWORD), "no password in the log");
    assertFalse(all.contains(traffic.accessToken), "no access token in the log");
    assertFalse(all.contains(traffic.refreshToken), "no refresh token in the log");
  }

  @Test
  void json_from_a_config_file_takes_over_once_the_config_is_read() throws Exception {
    Path dir = dir();
    Path config = dir.resolve("parley.json");
    Files.writeString(config, new JsonObject().put("log", new JsonObject().put("format", "json")).encode());
    node = new NodeProcess(dir, Map.of("PARLEY_CONFIG", config.toString())).start();
    traffic();
    List<String> lines = Files.readAllLines(node.log()).stream().filter(l -> !l.isBlank()).toList();
    int firstJson = 0;
    while (firstJson < lines.size() && !lines.get(firstJson).startsWith("{")) {
      firstJson++;
    }
    assertTrue(firstJson < 5, "at most the lines before the config was read are text: " + lines.subList(0, Math.min(6, lines.size())));
    List<JsonObject> json = jsonLines(node.log(), firstJson);
    assertTrue(json.stream().anyMatch(l -> "parley.access".equals(l.getString("logger_name"))), "access lines are JSON");
  }

  /** Registers, logs in, asks for a missing room (404) and sends a broken bridge frame. */
  private Traffic traffic() throws Exception {
    Rest rest = new Rest(vertx, node.port());
    JsonObject alice = await(rest.user("acme", "alice"));
    String token = alice.getString("accessToken");
    HttpResponse<Buffer> missing = await(rest.get("/conversations/no-such-room", token));
    assertEquals(404, missing.statusCode());
    String requestId = missing.getHeader("X-Request-Id");
    assertNotNull(requestId, "every answer names its request id");

    BridgeClient bridge = await(BridgeClient.connect(vertx, node.port()));
    bridge.sendRaw("{\"type\":\"no-such-type\",\"address\":\"x\"}");
    await(bridge.awaitProtocolErrors(1));
    await(bridge.close());
    rest.close();
    Thread.sleep(300); // the node writes its lines asynchronously to the pipe
    return new Traffic(requestId, alice.getString("userId"), token, alice.getString("refreshToken"));
  }

  private record Traffic(String refusedId, String userId, String accessToken, String refreshToken) {
  }

  private static List<JsonObject> jsonLines(Path log, int from) throws Exception {
    List<JsonObject> lines = new ArrayList<>();
    List<String> raw = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
    for (String line : raw.subList(from, raw.size())) {
      try {
        lines.add(new JsonObject(line));
      } catch (DecodeException e) {
        fail("a line that is not one JSON object: " + line);
      }
    }
    return lines;
  }

  private static JsonObject only(List<JsonObject> lines, java.util.function.Predicate<JsonObject> match) {
    List<JsonObject> found = lines.stream().filter(match).toList();
    assertEquals(1, found.size(), "lines matching: " + new JsonArray(found).encode());
    return found.get(0);
  }

  private Path dir() throws Exception {
    Path dir = Files.createTempDirectory("parley-log-");
    dirs.add(dir);
    return dir;
  }
}
