package io.parley.protection;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.parley.testing.BridgeClient;
import io.parley.testing.LogCapture;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfTwo;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A seeded, repeatable fuzzer against a running node: 6,000 bridge frames on the raw WebSocket and
 * 6,000 REST requests, each broken on purpose — malformed, truncated, oversized, type-confused, deeply
 * nested, not UTF-8, wrong method, wrong content type, bad token, unknown path. Every input must be
 * refused (an err frame, a 1007/1009 close, a 4xx), nothing may answer 5xx or log an error or a stack
 * trace, and the room's messages and both users' conversations must be exactly as before. The seed is
 * printed; {@code -Dparley.fuzz.seed=N} repeats a run.
 */
class FuzzTest {

  private static final int BRIDGE_INPUTS = 6_000;
  private static final int REST_INPUTS = 6_000;

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  private Random random;
  private RoomOfTwo room;

  @Test
  void broken_inputs_are_refused_without_a_crash_an_error_or_a_change() throws Exception {
    long seed = Long.getLong("parley.fuzz.seed", System.nanoTime());
    random = new Random(seed);
    room = await(RoomOfTwo.create(node.rest(), "fuzz"));
    await(node.rest().send(room.alice().getString("accessToken"), room.roomId(), "before", "the one message"));
    String before = snapshot();

    Tally bridge;
    Tally rest;
    List<ILoggingEvent> logged;
    try (LogCapture log = LogCapture.start()) {
      bridge = fuzzBridge();
      rest = fuzzRest();
      logged = LogCapture.errorsOrStackTraces(log.stop());
    }
    String after = snapshot();
    int crashes = await(node.clients().web().get(node.port(), "127.0.0.1", "/health").send()).statusCode() == 200 ? 0 : 1;

    System.out.printf("FUZZ seed %d%n| surface | inputs tried | rejected | crashes | 5xx | data changed |%n"
        + "|---|---|---|---|---|---|%n| bridge (raw WebSocket) | %d | %d | %d | — | %d |%n| REST | %d | %d | %d | %d | %d |%n"
        + "errors or stack traces logged: %d%n",
      seed, bridge.tried, bridge.rejected, crashes, before.equals(after) ? 0 : 1,
      rest.tried, rest.rejected, crashes, rest.serverErrors, before.equals(after) ? 0 : 1, logged.size());

    assertEquals(BRIDGE_INPUTS, bridge.rejected, "every bridge input refused (seed " + seed + "): " + bridge.unexpected);
    assertEquals(REST_INPUTS, rest.rejected, "every REST input refused (seed " + seed + "): " + rest.unexpected);
    assertEquals(0, rest.serverErrors, "no 5xx (seed " + seed + ")");
    assertTrue(logged.isEmpty(), "seed " + seed + " logged: " + logged.stream().limit(3).map(LogCapture::rendered).toList());
    assertEquals(before, after, "stored data unchanged (seed " + seed + ")");
    assertEquals(0, crashes, "the node is up and healthy");
  }

  // ---- bridge ----------------------------------------------------------------------------------

  private Tally fuzzBridge() throws Exception {
    Tally tally = new Tally();
    Link link = new Link();
    for (int i = 0; i < BRIDGE_INPUTS; i++) {
      if (link.ws == null || link.ws.isClosed()) {
        link.open();
      }
      byte[] input = brokenFrame(i);
      link.answers.clear();
      // A text message of exactly these bytes (Vert.x makes text frames only from strings).
      link.ws.writeFrame(WebSocketFrame.textFrame("", false)).onFailure(e -> { });
      link.ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(input), true)).onFailure(e -> { });
      String answer = link.answers.poll(5, TimeUnit.SECONDS);
      tally.tried++;
      if (answer != null && (answer.startsWith("close:1007") || answer.startsWith("close:1009") || isRefusal(answer))) {
        tally.rejected++;
      } else {
        tally.unexpected(new String(input, 0, Math.min(input.length, 120)) + " → " + answer);
      }
    }
    link.close();
    return tally;
  }

  private static boolean isRefusal(String answer) {
    JsonObject frame = new JsonObject(answer);
    return "err".equals(frame.getString("type"));
  }

  /** A raw WebSocket whose every answer (a frame, or its close) lands in a queue. */
  private final class Link {
    final BlockingQueue<String> answers = new ArrayBlockingQueue<>(1_000);
    WebSocketClient client;
    WebSocket ws;

    void open() throws Exception {
      close();
      client = node.vertx().createWebSocketClient();
      ws = await(client.connect(BridgeClient.to(node.port(), BridgeClient.RAW_URI)));
      WebSocket socket = ws;
      ws.binaryMessageHandler(bytes -> answers.offer(bytes.toString()));
      ws.textMessageHandler(answers::offer);
      ws.closeHandler(v -> answers.offer("close:" + socket.closeStatusCode()));
    }

    void close() throws Exception {
      if (client != null) {
        await(client.close());
      }
    }
  }

  /** A bridge frame broken in one of several ways; never a request the server could carry out. */
  private byte[] brokenFrame(int i) {
    JsonObject valid = new JsonObject().put("type", "send").put("address", BridgeClient.SEND).put("replyAddress", "r-" + i)
      .put("headers", new JsonObject().put("authorization", "Bearer " + room.alice().getString("accessToken")))
      .put("body", new JsonObject().put("conversationId", room.roomId()).put("clientMsgId", "fuzz-" + i).put("text", "fuzz"));
    return switch (random.nextInt(9)) {
      case 0 -> truncate(valid.encode());                                                  // cut anywhere
      case 1 -> bytes(valid.copy().put("body", confuse(valid.getJsonObject("body"), "text")).encode());  // text of another type
      case 2 -> bytes(valid.copy().put("body", confuse(valid.getJsonObject("body"), "conversationId")).encode());
      case 3 -> bytes(valid.copy().put(pick("type", "address", "replyAddress", "headers", "body"), junkValue()).encode());
      case 4 -> bytes(valid.copy().put("body", valid.getJsonObject("body").copy().put("text", "x".repeat(16_385 + random.nextInt(30_000)))).encode());
      case 5 -> bytes(nest(2_000 + random.nextInt(5_000)));                                 // deeply nested
      case 6 -> invalidUtf8(valid.encode());                                               // bytes that are not UTF-8
      case 7 -> bytes(valid.copy().put("type", pick("publish", "shout", "", "SEND", "register")).encode());
      default -> bytes(valid.copy().put("address", pick("parley.rooms.create", "parley.client.acme.x", "parley.auth.login",
        "parley.delivery.appended", "x".repeat(300))).encode());
    };
  }

  // ---- REST ------------------------------------------------------------------------------------

  private Tally fuzzRest() throws Exception {
    Tally tally = new Tally();
    WebClient web = node.clients().web();
    String token = room.alice().getString("accessToken");
    // Not /leave nor /auth/logout: they read no body, so a "broken" body would still be carried out.
    List<String> paths = List.of("/auth/register", "/auth/login", "/auth/refresh", "/me", "/conversations",
      "/conversations/" + room.roomId(), "/conversations/" + room.roomId() + "/messages", "/conversations/" + room.roomId() + "/invite",
      "/conversations/" + room.roomId() + "/read", "/sync");
    List<String> bodyRoutes = List.of("/auth/register", "/auth/login", "/auth/refresh", "/conversations",
      "/conversations/" + room.roomId() + "/messages", "/conversations/" + room.roomId() + "/invite");
    for (int i = 0; i < REST_INPUTS; i++) {
      String path = paths.get(random.nextInt(paths.size()));
      HttpMethod method = HttpMethod.POST;
      String contentType = "application/json";
      String auth = token;
      Buffer body;
      switch (random.nextInt(8)) {
        case 0 -> {
          method = pick(HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.PATCH);
          body = Buffer.buffer("{}");
        }
        case 1 -> {
          contentType = pick("application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "text/plain", "application/xml");
          body = Buffer.buffer("a=" + "b".repeat(random.nextInt(30_000)));
        }
        case 2 -> body = Buffer.buffer(truncate("{\"tenant\":\"acme\",\"username\":\"zed\",\"password\":\"correct-horse-battery\",\"name\":\"n\"}"));
        case 3 -> body = Buffer.buffer(nest(1_000 + random.nextInt(3_000)));
        case 4 -> body = Buffer.buffer(invalidUtf8("{\"tenant\":\"acme\",\"username\":\"u\",\"password\":\"p\",\"clientMsgId\":\"c\",\"text\":\"t\"}"));
        case 5 -> {
          auth = pick("", "Bearer", "garbage." + random.nextInt(), token.substring(0, token.length() - 3) + "abc");
          path = paths.get(3 + random.nextInt(paths.size() - 3));
          body = Buffer.buffer("{\"seq\":1,\"members\":[\"bob\"],\"clientMsgId\":\"x\",\"text\":\"t\"}");
        }
        case 6 -> {
          path = pick("/nope", "/conversations/" + "x".repeat(2_000) + "/messages", "/auth/../me", "/%00", "/conversations//messages");
          body = Buffer.buffer("{}");
        }
        default -> {
          path = bodyRoutes.get(random.nextInt(bodyRoutes.size()));
          body = Buffer.buffer(new JsonObject().put("members", junkValue()).put("text", junkValue())
          .put("clientMsgId", junkValue()).put("tenant", junkValue()).put("username", junkValue()).put("password", junkValue())
            .put("refreshToken", junkValue()).put("name", junkValue()).put("type", junkValue()).encode());
        }
      }
      HttpRequest<Buffer> request = web.request(method, node.port(), "127.0.0.1", "/api" + path).putHeader("Content-Type", contentType);
      if (!auth.isEmpty()) {
        request.putHeader("Authorization", auth.startsWith("Bearer") ? auth : "Bearer " + auth);
      }
      HttpResponse<Buffer> response = await(request.sendBuffer(body));
      tally.tried++;
      if (response.statusCode() >= 500) {
        tally.serverErrors++;
      }
      if (response.statusCode() >= 400 && response.statusCode() < 500 && errorCode(response) != null) {
        tally.rejected++;
      } else {
        tally.unexpected(method + " " + path + " " + body.toString().substring(0, Math.min(100, body.length())) + " → "
          + response.statusCode() + " " + response.bodyAsString());
      }
    }
    return tally;
  }

  private static String errorCode(HttpResponse<Buffer> response) {
    try {
      return response.bodyAsJsonObject().getJsonObject("error").getString("code");
    } catch (RuntimeException notTheErrorShape) {
      return null;
    }
  }

  // ---- what is stored, before and after ---------------------------------------------------------

  private String snapshot() throws Exception {
    String alice = room.alice().getString("accessToken");
    String bob = room.bob().getString("accessToken");
    JsonObject history = await(node.rest().history(alice, room.roomId(), "after=0&limit=200"));
    JsonObject aliceList = await(node.rest().expectGet(200, "/conversations", alice));
    JsonObject bobList = await(node.rest().expectGet(200, "/conversations", bob));
    assertNotNull(history.getJsonArray("messages"));
    return history.encode() + aliceList.encode() + bobList.encode();
  }

  // ---- generators ------------------------------------------------------------------------------

  private JsonObject confuse(JsonObject body, String field) {
    return body.copy().put(field, junkValue());
  }

  private Object junkValue() {
    return switch (random.nextInt(7)) {
      case 0 -> random.nextLong();
      case 1 -> new JsonArray().add(1).add("two").addNull();
      case 2 -> new JsonObject().put("$gt", "");
      case 3 -> random.nextBoolean();
      case 4 -> random.nextDouble() * 1e300;
      case 5 -> "";
      default -> null;
    };
  }

  private byte[] truncate(String json) {
    return bytes(json.substring(0, random.nextInt(json.length() - 1)));
  }

  private byte[] invalidUtf8(String json) {
    int at = json.indexOf("\"t") + 1;
    Buffer broken = Buffer.buffer(json.substring(0, at)).appendBytes(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, 0x28})
      .appendString(json.substring(at));
    return broken.getBytes();
  }

  private static String nest(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @SafeVarargs
  private <T> T pick(T... options) {
    return options[random.nextInt(options.length)];
  }

  private static final class Tally {
    int tried;
    int rejected;
    int serverErrors;
    final List<String> unexpected = new ArrayList<>();

    void unexpected(String what) {
      if (unexpected.size() < 5) {
        unexpected.add(what);
      }
    }
  }
}
