package io.parley.protection;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.parley.testing.BridgeClient;
import io.parley.testing.LogCapture;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfTwo;
import io.parley.testing.XhrSession;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.ClientWebSocket;
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

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A seeded, repeatable fuzzer against a running node: broken bridge frames on the raw WebSocket, inside
 * SockJS sessions on SockJS's WebSocket transport and on its HTTP transports ({@code xhr_send},
 * {@code jsonp_send}, jsonp/htmlfile callbacks), and broken REST requests — malformed, truncated,
 * oversized, type-confused, deeply nested, not UTF-8, SockJS envelopes that are not an array of strings,
 * empty or huge, wrong method, wrong content type, bad token, unknown path. Every input must be refused
 * (an err frame, a 1003/1007/1009 close, a 4xx in the API's error shape), nothing may answer 5xx or log an
 * error or a stack trace, and the room's messages and both users' conversations must be exactly as
 * before. The seed is printed; {@code -Dparley.fuzz.seed=N} repeats a run.
 */
class FuzzTest {

  private static final int RAW_INPUTS = 3_000;
  private static final int SOCKJS_WS_INPUTS = 3_000;
  private static final int SOCKJS_HTTP_INPUTS = 2_500;
  private static final int REST_INPUTS = 3_000;
  private static final int MULTIPART_INPUTS = 1_500;
  private static final int TRUNCATED_UPLOADS = 50;
  private static final int FRAGMENT = 32 * 1024;

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  private static final String RAW = "bridge (raw WebSocket)";
  private static final String SOCKJS_WS = "bridge (SockJS websocket)";
  private static final String SOCKJS_HTTP = "bridge (SockJS xhr_send, jsonp_send, callbacks)";
  private static final String MULTIPART = "REST uploads (multipart)";
  private static final String REST = "REST";

  private Random random;
  private RoomOfTwo room;

  @Test
  void broken_inputs_are_refused_without_a_crash_an_error_or_a_change() throws Exception {
    long seed = Long.getLong("parley.fuzz.seed", System.nanoTime());
    random = new Random(seed);
    room = await(RoomOfTwo.create(node.rest(), "fuzz"));
    await(node.rest().send(room.alice().getString("accessToken"), room.roomId(), "before", "the one message"));
    String before = snapshot();
    long filesBefore = await(node.countIn("attachment_files.files"));

    Map<String, Tally> tallies = new LinkedHashMap<>();
    Map<String, Integer> expected = Map.of(RAW, RAW_INPUTS, SOCKJS_WS, SOCKJS_WS_INPUTS, SOCKJS_HTTP, SOCKJS_HTTP_INPUTS, REST, REST_INPUTS,
      MULTIPART, MULTIPART_INPUTS);
    Map<String, String> changed = new LinkedHashMap<>();
    List<ILoggingEvent> logged;
    long started = System.nanoTime();
    try (LogCapture log = LogCapture.start()) {
      // A snapshot after each surface says which one changed data, if one did.
      tallies.put(RAW, fuzzWebSocket(false, RAW_INPUTS));
      changed.put(RAW, snapshot());
      tallies.put(SOCKJS_WS, fuzzWebSocket(true, SOCKJS_WS_INPUTS));
      changed.put(SOCKJS_WS, snapshot());
      tallies.put(SOCKJS_HTTP, fuzzSockJsHttp());
      changed.put(SOCKJS_HTTP, snapshot());
      tallies.put(REST, fuzzRest());
      changed.put(REST, snapshot());
      tallies.put(MULTIPART, fuzzMultipart());
      changed.put(MULTIPART, snapshot());
      logged = LogCapture.errorsOrStackTraces(log.stop());
    }
    String after = snapshot();
    int crashes = await(node.clients().web().get(node.port(), "127.0.0.1", "/health").send()).statusCode() == 200 ? 0 : 1;

    StringBuilder table = new StringBuilder(String.format("FUZZ seed %d, %d inputs in %.1f s%n"
      + "| surface | inputs tried | rejected | crashes | 5xx | data changed |%n|---|---|---|---|---|---|%n",
      seed, tallies.values().stream().mapToInt(t -> t.tried).sum(), (System.nanoTime() - started) / 1e9));
    tallies.forEach((surface, t) -> table.append(String.format("| %s | %d | %d | %d | %s | %d |%n", surface, t.tried, t.rejected,
      crashes, surface.startsWith("bridge (") && !surface.equals(SOCKJS_HTTP) ? "—" : String.valueOf(t.serverErrors),
      before.equals(changed.get(surface)) ? 0 : 1)));
    table.append("errors or stack traces logged: ").append(logged.size());
    System.out.println(table);

    tallies.forEach((surface, t) -> {
      assertEquals((int) expected.get(surface), t.rejected, "every " + surface + " input refused (seed " + seed + "): " + t.unexpected);
      assertEquals(0, t.serverErrors, "no 5xx on " + surface + " (seed " + seed + "): " + t.unexpected);
    });
    assertTrue(logged.isEmpty(), "seed " + seed + " logged: " + logged.stream().limit(3).map(LogCapture::rendered).toList());
    assertEquals(before, after, "stored data unchanged (seed " + seed + ")");
    assertEquals(filesBefore, await(node.countIn("attachment_files.files")), "no broken upload stored a file (seed " + seed + ")");
    assertEquals(0, crashes, "the node is up and healthy");
  }

  // ---- bridge ----------------------------------------------------------------------------------

  /** Broken bridge frames on the raw WebSocket, or SockJS messages (broken frames and broken envelopes) on a session's. */
  private Tally fuzzWebSocket(boolean sockJs, int inputs) throws Exception {
    Tally tally = new Tally();
    Link link = new Link(sockJs);
    for (int i = 0; i < inputs; i++) {
      if (link.ws == null || link.ws.isClosed()) {
        link.open();
      }
      Buffer input = Buffer.buffer(sockJs ? sockJsMessage(i) : brokenFrame(i));
      boolean binary = sockJs && random.nextInt(40) == 0;
      link.answers.clear();
      // A message of exactly these bytes (Vert.x makes text frames only from strings).
      link.ws.writeFrame(binary ? WebSocketFrame.binaryFrame(Buffer.buffer(), false) : WebSocketFrame.textFrame("", false)).onFailure(e -> { });
      // In frames of at most 32 KB, so an oversized message meets Parley's bound (1009), not Netty's frame limit.
      for (int at = 0; at < input.length() || at == 0; at += FRAGMENT) {
        Buffer part = input.getBuffer(at, Math.min(input.length(), at + FRAGMENT));
        link.ws.writeFrame(WebSocketFrame.continuationFrame(part, at + FRAGMENT >= input.length())).onFailure(e -> { });
      }
      String answer = link.answers.poll(5, TimeUnit.SECONDS);
      tally.tried++;
      if (answer != null && (answer.matches("close:100[379]") || isRefusal(answer, sockJs))) {
        tally.rejected++;
      } else {
        tally.unexpected(input.toString().substring(0, Math.min(input.length(), 120)) + " → " + answer);
      }
    }
    link.close();
    return tally;
  }

  /** An err frame, or on SockJS a batch of only err frames. */
  private static boolean isRefusal(String answer, boolean sockJs) {
    try {
      List<JsonObject> frames = sockJs ? BridgeClient.sockJsFrames(answer) : List.of(new JsonObject(answer));
      return !frames.isEmpty() && frames.stream().allMatch(f -> "err".equals(f.getString("type")));
    } catch (RuntimeException notJson) {
      return false;
    }
  }

  /** A WebSocket (raw, or a fresh SockJS session's) whose every answer (a frame, or its close) lands in a queue. */
  private final class Link {
    final BlockingQueue<String> answers = new ArrayBlockingQueue<>(1_000);
    final boolean sockJs;
    WebSocketClient client;
    WebSocket ws;

    Link(boolean sockJs) {
      this.sockJs = sockJs;
    }

    void open() throws Exception {
      close();
      client = node.vertx().createWebSocketClient();
      Promise<Void> opened = Promise.promise();
      String uri = sockJs ? BridgeClient.sessionPath() + "/websocket" : BridgeClient.RAW_URI;
      // Handlers set before connecting: SockJS's "o" follows the upgrade at once.
      ClientWebSocket socket = client.webSocket();
      socket.binaryMessageHandler(bytes -> answers.offer(bytes.toString()));
      socket.textMessageHandler(text -> {
        if (text.equals("o")) {
          opened.tryComplete();
        } else if (!text.equals("h")) {
          answers.offer(text);
        }
      });
      socket.closeHandler(v -> answers.offer("close:" + socket.closeStatusCode()));
      ws = await(socket.connect(BridgeClient.to(node.port(), uri)));
      if (sockJs) {
        await(opened.future(), 5);
      }
    }

    void close() throws Exception {
      if (client != null) {
        await(client.close());
      }
    }
  }

  /** A SockJS message: mostly a broken bridge frame in a valid envelope, else an envelope broken itself. */
  private byte[] sockJsMessage(int i) {
    return switch (random.nextInt(12)) {
      case 0 -> bytes(pick("{}", "42", "\"a\"", "null", "true", "{\"type\":\"ping\"}", "a[\"x\"]", "o", "h"));   // not an array
      case 1 -> bytes(pick("[1]", "[null]", "[{\"type\":\"ping\"}]", "[\"{}\",7]", "[[\"x\"]]", "[true,false]"));  // not strings
      case 2 -> truncate(new String(envelope(brokenFrame(i)), StandardCharsets.UTF_8));                             // cut anywhere
      case 3 -> bytes(nest(2 + random.nextInt(5_000)));                                                             // deeply nested
      case 4 -> bytes("[\"" + "x".repeat(65_537 + random.nextInt(30_000)) + "\"]");                                 // huge
      case 5 -> pick(new byte[0], bytes(" "), bytes("[\"a\"] x"), bytes("[\"a\",]"));                                // empty, trailing junk
      default -> envelope(brokenFrame(i));
    };
  }

  /** {@code ["<frame>"]} with the frame's bytes escaped as a JSON string, bytes that are not UTF-8 left as they are. */
  private static byte[] envelope(byte[] frame) {
    Buffer out = Buffer.buffer("[\"");
    for (byte b : frame) {
      if (b == '"' || b == '\\') {
        out.appendByte((byte) '\\').appendByte(b);
      } else if (b >= 0 && b < 0x20) {
        out.appendString(String.format("\\u%04x", b));
      } else {
        out.appendByte(b);
      }
    }
    return out.appendString("\"]").getBytes();
  }

  // ---- SockJS over HTTP ------------------------------------------------------------------------

  /**
   * {@code xhr_send} and {@code jsonp_send} posts to a live session (its frames come back on an
   * {@code xhr_streaming} response), and jsonp/htmlfile receivers without a valid callback. A post SockJS
   * takes (204, or "ok" for jsonp) must bring back an err batch; anything else must be a 4xx in the API's
   * error shape.
   */
  private Tally fuzzSockJsHttp() throws Exception {
    Tally tally = new Tally();
    XhrSession session = null;
    for (int i = 0; i < SOCKJS_HTTP_INPUTS; i++) {
      if (session == null) {
        session = await(XhrSession.streaming(node.vertx(), node.port())).follow();
        assertEquals("o", session.lines().poll(5, TimeUnit.SECONDS), "the streaming session opened");
      }
      byte[] frame = brokenFrame(i);
      XhrSession.Answer answer;
      String what;
      switch (random.nextInt(10)) {
        case 0, 1 -> {
          byte[] body = sockJsMessage(i);
          what = "xhr_send " + new String(body, 0, Math.min(body.length, 100), StandardCharsets.UTF_8);
          XhrSession posting = session;
          answer = answered(() -> posting.post("/xhr_send", "text/plain", Buffer.buffer(body)));
        }
        case 2 -> {
          String callback = pick(null, "", "x".repeat(33), "a(b)", "<script>", "a b", "é");
          String transport = pick("/jsonp", "/htmlfile");
          what = "GET " + transport + " callback " + callback;
          XhrSession getting = session;
          answer = answered(() -> getting.get(transport + (callback == null ? "" : "?c=" + URLEncoder.encode(callback, StandardCharsets.UTF_8))));
        }
        case 3 -> {
          // Forms and multipart on any send door (JSONP, which posts forms, is off): refused on the headers.
          String type = pick("multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8");
          Buffer body = Buffer.buffer(pick("", "d=", "x=1", "d=%", "d=%zz", "d=%5B%22a%22", "d=%ff%fe", "d=" + "%5B".repeat(15_000)));
          String door = pick("/xhr_send", "/jsonp_send");
          what = door + " " + type + " " + body.toString().substring(0, Math.min(body.length(), 100));
          XhrSession posting = session;
          answer = answered(() -> posting.post(door, type, body));
        }
        case 4 -> {
          // Kept under the body limit (over-size posts are the default case's: xhr_send, answered 413).
          byte[] encoded = percentEncode(envelope(frame));
          for (int keep = frame.length / 2; encoded.length > 60_000; keep /= 2) {
            encoded = percentEncode(envelope(Arrays.copyOf(frame, keep)));
          }
          what = "jsonp_send d=" + new String(encoded, 0, Math.min(encoded.length, 100), StandardCharsets.US_ASCII);
          XhrSession posting = session;
          String type = pick("application/x-www-form-urlencoded", "text/plain");
          Buffer body = Buffer.buffer("d=").appendBytes(encoded);
          answer = answered(() -> posting.post("/jsonp_send", type, body));
        }
        default -> {
          byte[] envelope = envelope(frame);
          what = "xhr_send " + new String(envelope, 0, Math.min(envelope.length, 100), StandardCharsets.UTF_8);
          XhrSession posting = session;
          answer = answered(() -> posting.post("/xhr_send", "text/plain", Buffer.buffer(envelope)));
        }
      }
      tally.tried++;
      if (answer.status() >= 500) {
        tally.serverErrors++;
      }
      String outcome = answer.status() + " " + answer.body().substring(0, Math.min(answer.body().length(), 100));
      if (answer.status() == 204 || answer.status() == 200 && answer.body().equals("ok")) {
        String batch = nextBatch(session);
        outcome += " then " + batch;
        if (batch != null && isRefusal(batch, true)) {
          tally.rejected++;
          continue;
        }
      } else if (answer.status() >= 400 && answer.status() < 500 && errorCode(answer.body()) != null) {
        tally.rejected++;
        continue;
      }
      tally.unexpected(what + " → " + outcome);
      if (outcome.contains("c[")) {
        await(session.close());
        session = null;
      }
    }
    if (session != null) {
      await(session.close());
    }
    return tally;
  }

  /** The answer, or status 0 if none came within 10 s (a hang is a finding too). */
  /** The answer to a SockJS HTTP request, or status 0 if none came within 10 s. */
  private static XhrSession.Answer answered(java.util.function.Supplier<io.vertx.core.Future<XhrSession.Answer>> request)
    throws Exception {
    try {
      return await(request.get(), 10);
    } catch (java.util.concurrent.TimeoutException hung) {
      return new XhrSession.Answer(0, "no answer within 10 s");
    }
  }

  /** The next frames batch ({@code a[…]} or a close) the streaming session receives, skipping heartbeats. */
  private static String nextBatch(XhrSession session) throws InterruptedException {
    String line;
    do {
      line = session.lines().poll(5, TimeUnit.SECONDS);
    } while (line != null && line.equals("h"));
    return line;
  }

  private static byte[] percentEncode(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (byte b : bytes) {
      out.append(String.format("%%%02X", b & 0xff));
    }
    return bytes(out.toString());
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
      String sent = body.toString();
      count(tally, await(request.sendBuffer(body)), method + " " + path + " " + sent.substring(0, Math.min(100, sent.length())));
    }
    return tally;
  }

  /**
   * Broken uploads: multipart cut off inside a part (sent together: each is refused only after a grace
   * period for the last bytes to reach the disk), a boundary that does not match or is missing, the file under
   * another field name, two files, an oversized form field beside the file, hostile file names on an
   * executable, an empty file, random bytes. Each has a defect, so each must be refused.
   */
  private Tally fuzzMultipart() throws Exception {
    Tally tally = new Tally();
    WebClient web = node.clients().web();
    String token = room.alice().getString("accessToken");
    String path = "/api/conversations/" + room.roomId() + "/attachments";
    byte[] exe = new byte[512];
    exe[0] = 'M';
    exe[1] = 'Z';
    List<io.vertx.core.Future<HttpResponse<Buffer>>> truncated = new ArrayList<>();
    for (int i = 0; i < TRUNCATED_UPLOADS; i++) {
      Buffer whole = multipart("b", part("b", "file", "a.txt", bytes("plain text " + random.nextInt())));
      // Cut inside the file part: after its headers, before the closing delimiter.
      truncated.add(web.post(node.port(), "127.0.0.1", path).putHeader("Content-Type", "multipart/form-data; boundary=b")
        .putHeader("Authorization", "Bearer " + token).sendBuffer(whole.slice(0, whole.length() - 8 - random.nextInt(6))));
    }
    for (io.vertx.core.Future<HttpResponse<Buffer>> cut : truncated) {
      count(tally, await(cut), "truncated upload");
    }
    for (int i = TRUNCATED_UPLOADS; i < MULTIPART_INPUTS; i++) {
      String boundary = "----fuzz" + random.nextInt(1_000_000);
      String contentType = "multipart/form-data; boundary=" + boundary;
      String name = pick("a.txt", "../../etc/passwd", "a.txt\"\r\nX-Evil: 1", "x".repeat(5_000) + ".png", "\u202Egnp.exe", "nul\u0000.txt");
      Buffer body;
      switch (random.nextInt(8)) {
        case 0 -> body = multipart(boundary, part(boundary, "file", name, bytes("text"))).slice(0, 1 + random.nextInt(20));
        case 1 -> {
          contentType = pick("multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=other");
          body = multipart(boundary, part(boundary, "file", name, bytes("text")));
        }
        case 2 -> body = multipart(boundary, part(boundary, pick("upload", "files", "", "FILE"), name, bytes("text")));
        case 3 -> body = multipart(boundary, part(boundary, "file", "a.txt", bytes("one")), part(boundary, "file", "b.txt", bytes("two")));
        case 4 -> body = multipart(boundary, field(boundary, "note", "n".repeat(9_000 + random.nextInt(40_000))),
          part(boundary, "file", "a.txt", bytes("text")));
        case 5 -> body = multipart(boundary, part(boundary, "file", name, exe));
        case 6 -> body = multipart(boundary, part(boundary, "file", name, new byte[0]));
        default -> {
          byte[] junk = new byte[random.nextInt(20_000)];
          random.nextBytes(junk);
          body = Buffer.buffer(junk);
        }
      }
      HttpResponse<Buffer> response = await(web.post(node.port(), "127.0.0.1", path).putHeader("Content-Type", contentType)
        .putHeader("Authorization", "Bearer " + token).sendBuffer(body));
      String sent = body.toString();
      count(tally, response, "upload " + sent.substring(0, Math.min(100, sent.length())));
    }
    return tally;
  }

  private static void count(Tally tally, HttpResponse<Buffer> response, String input) {
    tally.tried++;
    if (response.statusCode() >= 500) {
      tally.serverErrors++;
    }
    if (response.statusCode() >= 400 && response.statusCode() < 500 && errorCode(response) != null) {
      tally.rejected++;
    } else {
      tally.unexpected(input + " → " + response.statusCode() + " " + response.bodyAsString());
    }
  }

  private static Buffer part(String boundary, String field, String fileName, byte[] content) {
    return Buffer.buffer("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"" + fileName
      + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").appendBytes(content).appendString("\r\n");
  }

  private static Buffer field(String boundary, String field, String value) {
    return Buffer.buffer("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"\r\n\r\n" + value + "\r\n");
  }

  private static Buffer multipart(String boundary, Buffer... parts) {
    Buffer body = Buffer.buffer();
    for (Buffer part : parts) {
      body.appendBuffer(part);
    }
    return body.appendString("--" + boundary + "--\r\n");
  }

  private static String errorCode(HttpResponse<Buffer> response) {
    return errorCode(response.bodyAsString());
  }

  private static String errorCode(String body) {
    try {
      return new JsonObject(body).getJsonObject("error").getString("code");
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
