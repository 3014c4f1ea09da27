package io.parley.docs;

import java.nio.file.Path;
import java.nio.file.Files;
import io.parley.store.Mongo;
import io.parley.config.ParleyConfig;
import io.parley.attachments.Attachments;
import io.parley.auth.api.AccessTokens;
import io.parley.common.BusRequests;
import io.parley.common.TrustedProxies;
import io.parley.gateway.receipts.DeliveredPositions;
import io.parley.gateway.rest.ApiRoutes;
import io.parley.ratelimit.Rate;
import io.parley.ratelimit.RateLimiter;
import io.parley.ratelimit.RateLimits;
import io.parley.rooms.api.ReceiptSettings;
import io.parley.rooms.api.RoomsClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.parley.testing.TestFiles;
import io.vertx.core.MultiMap;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAPI document against a running node: the node serves every operation it lists and it lists
 * every route the router has (with the methods {@code KnownRoutes} allows), real answers validate against
 * the document's schema for their status (vertx-openapi's {@link ResponseValidator}, on a copy that refuses
 * undocumented fields), bodies the server refuses are refused by the document's request schemas, and
 * {@code GET /api/openapi.json} serves the document.
 */
class OpenApiServedTest {

  @RegisterExtension
  static final ParleyNodeExtension node = ParleyNodeExtension.inProcess()
    .with(new JsonObject().put("tenants", new JsonObject().put("receipts_off", new JsonArray().add("docs-quiet"))));

  @TempDir
  Path dir;

  private static JsonObject document;
  private static OpenAPIContract contract;
  private static ResponseValidator responses;

  @BeforeAll
  static void load() throws Exception {
    document = ApiDocument.load();
    contract = ApiDocument.contract(node.vertx(), ApiDocument.strict(document));
    responses = ResponseValidator.create(node.vertx(), contract);
  }

  @Test
  void the_node_serves_the_document_without_a_token() throws Exception {
    HttpResponse<Buffer> served = await(node.rest().get("/openapi.json", null));
    assertEquals(200, served.statusCode(), served.bodyAsString());
    assertEquals("application/json", served.getHeader("Content-Type"));
    assertEquals(document, served.bodyAsJsonObject());
    validate(HttpMethod.GET, "/openapi.json", served);
  }

  /** The node answers every operation of the document: never 404 or 405, which is what it says of routes it lacks. */
  @Test
  void every_documented_operation_is_served() throws Exception {
    List<String> missing = new ArrayList<>();
    for (String route : ApiDocument.routes(document)) {
      String[] methodAndPath = route.split(" ", 2);
      HttpResponse<Buffer> answer = await(node.rest().call(HttpMethod.valueOf(methodAndPath[0]), concrete(methodAndPath[1]), null, null));
      if (answer.statusCode() == 404 || answer.statusCode() == 405) {
        missing.add(route + " → " + answer.statusCode() + " " + answer.bodyAsString());
      }
    }
    assertEquals(List.of(), missing, "documented but not served");
  }

  /**
   * Every route the API router has is in the document, and on each documented path the node's
   * {@code KnownRoutes} allows exactly the documented methods (its 405's {@code Allow}).
   */
  @Test
  void every_route_the_router_knows_is_documented_with_its_methods() throws Exception {
    AccessTokens tokens = new AccessTokens(node.vertx(), "x".repeat(32), "parley", 900, Clock.systemUTC());
    Rate off = new Rate("off", 1, 0);
    JsonObject tree = new JsonObject(Files.readString(Path.of("conf/config.json")));
    tree.getJsonObject("mongo").put("connection_string", node.mongoConnectionString());
    ParleyConfig config = ParleyConfig.of(tree);
    Attachments attachments = await(Attachments.create(node.vertx(), config, Mongo.client(node.vertx(), config),
      new RoomsClient(BusRequests.of(node.vertx()))));
    Router router = ApiRoutes.create(node.vertx(), tokens, new RateLimiter(null, Clock.systemUTC()),
      new RateLimits(off, off, off, off, off), TrustedProxies.of(List.of()),
      new DeliveredPositions(node.vertx(), new RoomsClient(BusRequests.of(node.vertx())), ReceiptSettings.of(true, List.of())),
      attachments, 65_536, 10_000);
    Set<String> routed = new TreeSet<>();
    for (Route route : router.getRoutes()) {
      if (route.getPath() != null && route.methods() != null) {
        route.methods().forEach(method -> routed.add(method.name() + " " + ApiDocument.openApiPath("/api" + route.getPath())));
      }
    }
    assertEquals(ApiDocument.routes(document), routed, "the document's operations vs the routes of the API router");

    Map<String, Set<String>> documented = new TreeMap<>();
    ApiDocument.routes(document).forEach(route -> documented.computeIfAbsent(route.split(" ", 2)[1], p -> new TreeSet<>())
      .add(route.split(" ", 2)[0]));
    Map<String, Set<String>> allowed = new TreeMap<>();
    for (String path : documented.keySet()) {
      HttpResponse<Buffer> answer = await(node.rest().call(HttpMethod.PATCH, concrete(path), null, null));
      assertError(answer, 405, "METHOD_NOT_ALLOWED");
      allowed.put(path, Arrays.stream(answer.getHeader("Allow").split(",")).map(String::trim).collect(Collectors.toCollection(TreeSet::new)));
    }
    assertEquals(documented, allowed, "methods per path: the document vs the node's Allow");
  }

  /** Real answers, successes and refusals, each validated against the document's schema for its operation and status. */
  @Test
  void real_answers_match_the_document() throws Exception {
    Rest rest = node.rest();
    JsonObject alice = new JsonObject().put("tenant", "docs").put("username", "alice").put("password", Rest.PASSWORD);
    JsonObject bob = alice.copy().put("username", "bob");
    JsonObject registered = check(201, HttpMethod.POST, "/auth/register", null, alice);
    assertEquals("alice", registered.getString("username"));
    check(201, HttpMethod.POST, "/auth/register", null, bob);
    check(409, HttpMethod.POST, "/auth/register", null, bob);
    check(400, HttpMethod.POST, "/auth/register", null, alice.copy().put("username", "-alice"));
    JsonObject session = check(200, HttpMethod.POST, "/auth/login", null, alice);
    check(401, HttpMethod.POST, "/auth/login", null, alice.copy().put("password", "wrong-password"));
    String token = session.getString("accessToken");
    JsonObject refreshed = check(200, HttpMethod.POST, "/auth/refresh", null, new JsonObject().put("refreshToken", session.getString("refreshToken")));
    check(401, HttpMethod.POST, "/auth/refresh", null, new JsonObject().put("refreshToken", session.getString("refreshToken")));
    String bobToken = check(200, HttpMethod.POST, "/auth/login", null, bob).getString("accessToken");
    check(204, HttpMethod.POST, "/auth/logout", null, new JsonObject().put("refreshToken", refreshed.getString("refreshToken")));

    check(200, HttpMethod.GET, "/me", token, null);
    check(401, HttpMethod.GET, "/me", null, null);
    check(401, HttpMethod.GET, "/me", "not-a-jwt", null);
    check(200, HttpMethod.PUT, "/me", token, new JsonObject().put("displayName", "Alice Liddell"));
    check(200, HttpMethod.GET, "/me", token, null);
    check(400, HttpMethod.PUT, "/me", token, new JsonObject().put("displayName", "a\u202Eb"));
    check(413, HttpMethod.PUT, "/me", token, new JsonObject().put("displayName", "x".repeat(257)));
    check(201, HttpMethod.POST, "/auth/register", null, alice.copy().put("username", "carol").put("displayName", "Carol"));
    JsonObject found = check(200, HttpMethod.GET, "/users?q=a&limit=5", token, null);
    check(200, HttpMethod.GET, "/users?ids=" + registered.getString("userId") + ",unknown", token, null);
    check(400, HttpMethod.GET, "/users", token, null);
    check(413, HttpMethod.GET, "/users?q=" + "a".repeat(65), token, null);
    check(401, HttpMethod.GET, "/users?q=a", null, null);
    assertEquals("Alice Liddell", found.getJsonArray("users").getJsonObject(0).getString("displayName"));

    JsonObject room = check(201, HttpMethod.POST, "/conversations", token,
      new JsonObject().put("type", "room").put("name", "general").put("members", new JsonArray().add("bob")));
    JsonObject dm = check(201, HttpMethod.POST, "/conversations", token, new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob")));
    check(201, HttpMethod.POST, "/conversations", token, new JsonObject().put("type", "group").put("members", new JsonArray().add("bob")));
    check(404, HttpMethod.POST, "/conversations", token, new JsonObject().put("type", "group").put("members", new JsonArray().add("nobody")));
    check(400, HttpMethod.POST, "/conversations", token, new JsonObject().put("type", "room"));
    String id = room.getString("id");
    String messages = "/conversations/" + id + "/messages";

    JsonObject message = new JsonObject().put("clientMsgId", "c-1").put("text", "hello");
    check(201, HttpMethod.POST, messages, token, message);
    HttpResponse<Buffer> replay = await(rest.call(HttpMethod.POST, messages, token, message));
    validate(HttpMethod.POST, messages, replay);
    assertEquals("true", replay.getHeader("Idempotent-Replayed"));
    check(409, HttpMethod.POST, messages, token, message.copy().put("text", "changed"));
    check(400, HttpMethod.POST, messages, token, message.copy().put("clientMsgId", "has space"));
    check(413, HttpMethod.POST, messages, token, message.copy().put("clientMsgId", "c-2").put("text", "x".repeat(16_385)));
    check(400, HttpMethod.POST, messages, token, "[1,2]");
    check(415, HttpMethod.POST, messages, token, Buffer.buffer("clientMsgId=c-3&text=hi"));

    check(200, HttpMethod.GET, "/conversations", token, null);
    check(200, HttpMethod.GET, "/conversations?scope=public", token, null);
    check(200, HttpMethod.GET, "/conversations/" + id, token, null);
    check(200, HttpMethod.GET, "/conversations/" + dm.getString("id"), token, null);
    check(404, HttpMethod.GET, "/conversations/" + UUID.randomUUID(), token, null);
    check(200, HttpMethod.GET, messages + "?after=0&limit=10", token, null);
    check(200, HttpMethod.GET, messages + "?before=2", token, null);
    check(400, HttpMethod.GET, messages + "?limit=many", token, null);
    check(200, HttpMethod.GET, "/conversations/" + id + "/members", token, null);
    check(200, HttpMethod.POST, "/conversations/" + id + "/read", token, new JsonObject().put("seq", 1));
    check(200, HttpMethod.PUT, "/conversations/" + id + "/mute", token, new JsonObject().put("muted", true));
    check(200, HttpMethod.GET, "/conversations", token, null);
    check(400, HttpMethod.PUT, "/conversations/" + id + "/mute", token, new JsonObject().put("muted", "yes"));
    check(404, HttpMethod.PUT, "/conversations/" + UUID.randomUUID() + "/mute", token, new JsonObject().put("muted", true));
    check(200, HttpMethod.POST, "/conversations/" + id + "/invite", token, new JsonObject().put("members", new JsonArray().add("bob")));
    check(409, HttpMethod.POST, "/conversations/" + dm.getString("id") + "/leave", token, null);
    check(200, HttpMethod.POST, "/sync", token, new JsonObject().put("positions", new JsonObject().put(id, 0)));
    String messageId = id + ":1";
    check(200, HttpMethod.PUT, "/messages/" + messageId, token, new JsonObject().put("text", "hello, edited").put("clientChangeId", "e-1"));
    HttpResponse<Buffer> replayedEdit = await(rest.call(HttpMethod.PUT, "/messages/" + messageId, token,
      new JsonObject().put("text", "hello, edited").put("clientChangeId", "e-1")));
    validate(HttpMethod.PUT, "/messages/" + messageId, replayedEdit);
    assertEquals("true", replayedEdit.getHeader("Idempotent-Replayed"));
    check(409, HttpMethod.PUT, "/messages/" + messageId, token, new JsonObject().put("text", "other").put("clientChangeId", "e-1"));
    check(403, HttpMethod.PUT, "/messages/" + messageId, bobToken, new JsonObject().put("text", "bob's"));
    check(403, HttpMethod.DELETE, "/messages/" + messageId, bobToken, null);
    check(404, HttpMethod.PUT, "/messages/" + id + ":99", token, new JsonObject().put("text", "none"));
    check(400, HttpMethod.PUT, "/messages/nope", token, new JsonObject().put("text", "none"));
    check(413, HttpMethod.PUT, "/messages/" + messageId, token, new JsonObject().put("text", "x".repeat(16_385)));
    check(200, HttpMethod.POST, "/sync", token, new JsonObject().put("positions", new JsonObject()
      .put(id, new JsonObject().put("seq", 1).put("changeSeq", 0))));
    check(200, HttpMethod.GET, "/messages/" + messageId + "/receipts", token, null);
    check(404, HttpMethod.GET, "/messages/" + id + ":99/receipts", token, null);
    check(400, HttpMethod.GET, "/messages/nope/receipts", token, null);
    JsonObject quiet = await(rest.user("docs-quiet", "alice"));
    String quietRoom = await(rest.createConversation(quiet.getString("accessToken"), new JsonObject().put("type", "room").put("name", "q")))
      .getString("id");
    check(403, HttpMethod.GET, "/messages/" + quietRoom + ":1/receipts", quiet.getString("accessToken"), null);
    // Reactions, threads (a reply is a send with threadOf), mentions.
    check(200, HttpMethod.POST, "/messages/" + messageId + "/reactions", token, new JsonObject().put("emoji", "\uD83D\uDC4D"));
    check(200, HttpMethod.POST, "/messages/" + messageId + "/reactions", bobToken, new JsonObject().put("emoji", ":tada:"));
    check(200, HttpMethod.DELETE, "/messages/" + messageId + "/reactions/%3Atada%3A", bobToken, null);
    check(400, HttpMethod.POST, "/messages/" + messageId + "/reactions", token, new JsonObject().put("emoji", "not one"));
    check(413, HttpMethod.POST, "/messages/" + messageId + "/reactions", token, new JsonObject().put("emoji", "x".repeat(100)));
    check(404, HttpMethod.POST, "/messages/" + id + ":99/reactions", token, new JsonObject().put("emoji", ":tada:"));
    check(400, HttpMethod.DELETE, "/messages/" + messageId + "/reactions/nope", token, null);
    check(201, HttpMethod.POST, messages, token, new JsonObject().put("clientMsgId", "reply-1").put("text", "a reply, @bob")
      .put("threadOf", messageId));
    check(422, HttpMethod.POST, messages, token, new JsonObject().put("clientMsgId", "reply-2").put("text", "elsewhere")
      .put("threadOf", quietRoom + ":1"));
    check(404, HttpMethod.POST, messages, token, new JsonObject().put("clientMsgId", "reply-3").put("text", "none")
      .put("threadOf", id + ":99"));
    check(422, HttpMethod.POST, messages, token, new JsonObject().put("clientMsgId", "flood")
      .put("text", String.join(" ", java.util.stream.IntStream.range(0, 60).mapToObj(i -> "@u" + i).toList())));
    check(200, HttpMethod.GET, "/messages/" + messageId + "/thread", token, null);
    check(200, HttpMethod.GET, "/messages/" + messageId + "/thread?after=0&limit=5", token, null);
    check(404, HttpMethod.GET, "/messages/" + id + ":99/thread", token, null);
    check(400, HttpMethod.GET, "/messages/" + messageId + "/thread?limit=many", token, null);
    check(200, HttpMethod.GET, messages + "?after=0&limit=10", token, null);
    check(200, HttpMethod.DELETE, "/messages/" + messageId + "?clientChangeId=d-1", token, null);
    check(409, HttpMethod.POST, "/messages/" + messageId + "/reactions", token, new JsonObject().put("emoji", ":tada:"));
    check(409, HttpMethod.POST, messages, token, new JsonObject().put("clientMsgId", "reply-4").put("text", "late").put("threadOf", messageId));
    check(409, HttpMethod.PUT, "/messages/" + messageId, token, new JsonObject().put("text", "too late"));
    check(404, HttpMethod.DELETE, "/messages/" + UUID.randomUUID() + ":1", token, null);
    check(200, HttpMethod.GET, messages + "?after=0&limit=10", token, null);
    check(200, HttpMethod.POST, "/sync", token, new JsonObject().put("positions", new JsonObject().put(id, 0)));
    // Attachments: multipart uploads, sends carrying them, binary downloads (see binary()).
    TestFiles files = new TestFiles(dir);
    String uploads = "/conversations/" + id + "/attachments";
    HttpResponse<Buffer> uploaded = await(rest.upload(token, id, files.largeText("notes.txt", 3000), "notes.txt", "text/plain"));
    assertEquals(201, uploaded.statusCode(), uploaded.bodyAsString());
    validate(HttpMethod.POST, uploads, uploaded);
    String attachment = uploaded.bodyAsJsonObject().getString("attachmentId");
    HttpResponse<Buffer> photo = await(rest.upload(token, id, files.png("photo.png", 400, 300), "photo.png", "image/png"));
    assertEquals(201, photo.statusCode(), photo.bodyAsString());
    validate(HttpMethod.POST, uploads, photo);
    String image = photo.bodyAsJsonObject().getString("attachmentId");
    uploadRefused(415, token, id, files.executable("cat.png"), "cat.png");
    uploadRefused(413, token, id, files.pngBomb("bomb.png", 50_000, 50_000), "bomb.png");
    uploadRefused(400, token, id, files.write("empty.txt", new byte[0]), "empty.txt");
    uploadRefused(404, token, UUID.randomUUID().toString(), files.text("a.txt", "a"), "a.txt");
    uploadRefused(401, null, id, files.text("a.txt", "a"), "a.txt");
    check(415, HttpMethod.POST, uploads, token, new JsonObject().put("file", "x"));
    check(201, HttpMethod.POST, messages, token, new JsonObject().put("clientMsgId", "files-1").put("text", "")
      .put("attachments", new JsonArray().add(attachment).add(image)));
    check(409, HttpMethod.POST, messages, token, new JsonObject().put("clientMsgId", "files-2").put("attachments", new JsonArray().add(image)));
    check(404, HttpMethod.POST, messages, token, new JsonObject().put("clientMsgId", "files-3").put("attachments", new JsonArray().add(UUID.randomUUID().toString())));
    JsonArray eleven = new JsonArray();
    for (int i = 0; i < 11; i++) {
      eleven.add(UUID.randomUUID().toString());
    }
    check(413, HttpMethod.POST, messages, token, new JsonObject().put("clientMsgId", "files-4").put("attachments", eleven));
    check(200, HttpMethod.GET, messages + "?after=0&limit=50", bobToken, null);
    String download = "/attachments/" + attachment;
    HttpResponse<Buffer> whole = binary(200, download, bobToken, MultiMap.caseInsensitiveMultiMap());
    binary(206, download, bobToken, MultiMap.caseInsensitiveMultiMap().add("Range", "bytes=10-99"));
    binary(304, download, bobToken, MultiMap.caseInsensitiveMultiMap().add("If-None-Match", whole.getHeader("ETag")));
    binary(416, download, bobToken, MultiMap.caseInsensitiveMultiMap().add("Range", "bytes=99999-"));
    binary(200, "/attachments/" + image + "/thumbnail", bobToken, MultiMap.caseInsensitiveMultiMap());
    binary(206, "/attachments/" + image + "/thumbnail", bobToken, MultiMap.caseInsensitiveMultiMap().add("Range", "bytes=-10"));
    binary(404, download + "/thumbnail", bobToken, MultiMap.caseInsensitiveMultiMap());
    binary(404, "/attachments/" + UUID.randomUUID(), bobToken, MultiMap.caseInsensitiveMultiMap());
    binary(401, download, null, MultiMap.caseInsensitiveMultiMap());

    check(200, HttpMethod.POST, "/conversations/" + id + "/join", token, null);
    check(204, HttpMethod.POST, "/conversations/" + id + "/leave", token, null);
    String unjoined = check(201, HttpMethod.POST, "/conversations", token, new JsonObject().put("type", "room").put("name", "lobby")).getString("id");
    check(403, HttpMethod.POST, "/conversations/" + unjoined + "/messages", bobToken, message);
    check(403, HttpMethod.PUT, "/conversations/" + unjoined + "/mute", bobToken, new JsonObject().put("muted", false));

    // Routes the document does not have: its shared 404 and 405 answers.
    HttpResponse<Buffer> noRoute = await(rest.get("/no/such/route", token));
    assertError(noRoute, 404, "NOT_FOUND");
    validateShared("NoSuchRoute", noRoute);
    HttpResponse<Buffer> wrongMethod = await(rest.call(HttpMethod.DELETE, "/conversations", token, null));
    assertError(wrongMethod, 405, "METHOD_NOT_ALLOWED");
    assertNotNull(wrongMethod.getHeader("Allow"));
    validateShared("MethodNotAllowed", wrongMethod);
  }

  /** Bodies the server refuses, the document's request schema refuses too; the ones it takes, it takes. */
  @Test
  void request_schemas_refuse_what_the_server_refuses() throws Exception {
    JsonObject session = await(node.rest().user("docs-requests", "carol"));
    String token = session.getString("accessToken");
    String room = await(node.rest().createConversation(token, new JsonObject().put("type", "room").put("name", "r"))).getString("id");
    JsonObject register = new JsonObject().put("tenant", "docs-requests").put("username", "dave").put("password", Rest.PASSWORD);
    JsonObject send = new JsonObject().put("clientMsgId", "m-1").put("text", "hi");
    JsonObject create = new JsonObject().put("type", "room").put("name", "general");

    List<Object[]> table = List.of(
      new Object[] {"register", "/auth/register", register.copy().put("username", "-dave"), 400},
      new Object[] {"register", "/auth/register", register.copy().put("username", "d".repeat(33)), 400},
      new Object[] {"register", "/auth/register", register.copy().put("tenant", "Acme"), 400},
      new Object[] {"register", "/auth/register", register.copy().put("password", "short"), 400},
      new Object[] {"register", "/auth/register", register.copy().put("password", "        "), 400},
      new Object[] {"register", "/auth/register", register.copy().put("password", "p".repeat(257)), 413},
      new Object[] {"register", "/auth/register", register.copy().put("tenant", "t".repeat(64)), 400},
      new Object[] {"login", "/auth/login", new JsonObject().put("tenant", "docs-requests").put("username", "carol"), 400},
      // PROTOCOL.md: "at login any wrong username or password, whatever its length, is 401"; over 256 bytes it is 413.
      new Object[] {"login", "/auth/login", new JsonObject().put("tenant", "docs-requests").put("username", "carol").put("password", "p".repeat(257)), 413},
      new Object[] {"refresh", "/auth/refresh", new JsonObject().put("refreshToken", "r".repeat(129)), 413},
      new Object[] {"sendMessage", "/conversations/" + room + "/messages", send.copy().put("clientMsgId", "m 1"), 400},
      new Object[] {"sendMessage", "/conversations/" + room + "/messages", send.copy().put("clientMsgId", "m".repeat(65)), 400},
      new Object[] {"sendMessage", "/conversations/" + room + "/messages", send.copy().put("text", ""), 400},
      new Object[] {"sendMessage", "/conversations/" + room + "/messages", send.copy().put("text", "x".repeat(16_385)), 413},
      new Object[] {"sendMessage", "/conversations/" + room + "/messages", new JsonObject().put("clientMsgId", "m-2"), 400},
      new Object[] {"sendMessage", "/conversations/" + room + "/messages", send.copy().put("text", "").put("attachments", new JsonArray()), 400},
      new Object[] {"sendMessage", "/conversations/" + room + "/messages", send.copy().put("attachments", "not-a-list"), 400},
      new Object[] {"sendMessage", "/conversations/" + room + "/messages", send.copy().put("attachments", new JsonArray().add("../etc")), 400},
      new Object[] {"sendMessage", "/conversations/" + room + "/messages", new JsonObject().put("clientMsgId", "m-4").put("text", "")
        .put("attachments", new JsonArray().add(upload(token, room))), 201},
      new Object[] {"sendMessage", "/conversations/" + room + "/messages", new JsonObject().put("clientMsgId", "m-5")
        .put("attachments", new JsonArray().add(upload(token, room))), 201},
      new Object[] {"createConversation", "/conversations", create.copy().put("type", "chat"), 400},
      new Object[] {"createConversation", "/conversations", create.copy().put("name", "n".repeat(201)), 413},
      new Object[] {"createConversation", "/conversations", new JsonObject().put("type", "room"), 400},
      new Object[] {"createConversation", "/conversations", new JsonObject().put("type", "dm").put("members", new JsonArray()), 400},
      new Object[] {"createConversation", "/conversations", create.copy().put("visibility", "secret"), 400},
      new Object[] {"markRead", "/conversations/" + room + "/read", new JsonObject().put("seq", -1), 400},
      new Object[] {"markRead", "/conversations/" + room + "/read", new JsonObject(), 400},
      new Object[] {"inviteToConversation", "/conversations/" + room + "/invite", new JsonObject().put("members", new JsonArray()), 400},
      new Object[] {"sync", "/sync", new JsonObject().put("positions", "all"), 400},
      new Object[] {"muteConversation", "/conversations/" + room + "/mute", new JsonObject().put("muted", "true"), 400},
      new Object[] {"muteConversation", "/conversations/" + room + "/mute", new JsonObject(), 400},
      new Object[] {"muteConversation", "/conversations/" + room + "/mute", new JsonObject().put("muted", true), 200},
      new Object[] {"register", "/auth/register", register, 201},
      new Object[] {"sendMessage", "/conversations/" + room + "/messages", send, 201},
      new Object[] {"createConversation", "/conversations", create.copy().put("visibility", "private"), 201});

    List<String> disagreements = new ArrayList<>();
    for (Object[] row : table) {
      String operationId = (String) row[0];
      JsonObject body = (JsonObject) row[2];
      int status = (int) row[3];
      HttpMethod method = contract.operation(operationId).getHttpMethod();
      HttpResponse<Buffer> answer = await(node.rest().call(method, (String) row[1], operationId.equals("register") ? null : token, body));
      OutputUnit verdict = requestSchema(operationId).validate(body);
      boolean documentTakes = verdict.getValid();
      boolean serverTakes = answer.statusCode() < 300;
      if (answer.statusCode() != status || documentTakes != serverTakes) {
        disagreements.add(operationId + " " + body.encode().substring(0, Math.min(120, body.encode().length())) + ": server "
          + answer.statusCode() + " (expected " + status + "), document " + (documentTakes ? "takes it" : "refuses it: " + verdict.getErrors()));
      }
    }
    assertEquals(List.of(), disagreements);
  }

  // ---- helpers ----

  /** A fresh upload of the caller's to the conversation: its id. */
  private String upload(String token, String conversationId) throws Exception {
    Path file = new TestFiles(dir).text("u-" + UUID.randomUUID() + ".txt", "a note");
    return await(node.rest().uploaded(token, conversationId, file, "note.txt")).getString("attachmentId");
  }

  /** Sends, validates the answer against the document and checks its status; yields the JSON body (empty for none). */
  private static JsonObject check(int status, HttpMethod method, String path, String token, Object body) throws Exception {
    WebClient web = node.clients().web();
    var request = web.request(method, node.port(), "127.0.0.1", "/api" + path);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    Future<HttpResponse<Buffer>> sent;
    if (body == null) {
      sent = request.send();
    } else if (body instanceof JsonObject json) {
      sent = request.sendJsonObject(json);
    } else if (body instanceof Buffer form) {
      sent = request.putHeader("Content-Type", "application/x-www-form-urlencoded").sendBuffer(form);
    } else {
      sent = request.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer((String) body));
    }
    HttpResponse<Buffer> answer = await(sent);
    assertEquals(status, answer.statusCode(), method + " " + path + ": " + answer.bodyAsString());
    validate(method, path, answer);
    Buffer text = answer.body();
    return text == null || text.length() == 0 ? new JsonObject() : text.toJsonObject();
  }

  private void uploadRefused(int status, String token, String conversationId, Path file, String name) throws Exception {
    HttpResponse<Buffer> answer = await(node.rest().upload(token, conversationId, file, name, "application/octet-stream"));
    assertEquals(status, answer.statusCode(), name + ": " + answer.bodyAsString());
    validate(HttpMethod.POST, "/conversations/" + conversationId + "/attachments", answer);
  }

  /**
   * A download, validated against the document. vertx-openapi 5.0.10 knows no binary media type but
   * application/octet-stream (the document's name for the bytes, whatever their detected Content-Type),
   * so a non-JSON body is validated as that; JSON answers (errors) as they are.
   */
  private static HttpResponse<Buffer> binary(int status, String path, String token, MultiMap headers) throws Exception {
    HttpResponse<Buffer> answer = await(node.rest().call(HttpMethod.GET, path, token, null, headers));
    assertEquals(status, answer.statusCode(), path + " " + headers + ": " + answer.bodyAsString());
    String type = answer.getHeader("Content-Type");
    if (type == null || type.startsWith("application/json")) {
      validate(HttpMethod.GET, path, answer);
      return answer;
    }
    Map<String, String> named = new HashMap<>();
    answer.headers().forEach(header -> named.put(header.getKey(), header.getValue()));
    // vertx-openapi reads a string header as JSON when it is not a bare word, and cannot decode the quotes
    // of filename="…": Content-Disposition is checked here instead.
    String disposition = named.keySet().stream().filter("Content-Disposition"::equalsIgnoreCase).findFirst().map(named::remove).orElse(null);
    assertTrue(disposition == null || disposition.matches("(attachment|inline); filename=\"[^\"]*\"; filename\\*=UTF-8''\\S*"), disposition);
    Operation operation = contract.findOperation("/api" + path, HttpMethod.GET);
    try {
      await(responses.validate(ValidatableResponse.create(status, named, answer.body(), "application/octet-stream"), operation.getOperationId()));
    } catch (Exception e) {
      throw new AssertionError("GET " + path + " → " + status + " does not match the document: " + e.getMessage(), e);
    }
    return answer;
  }

  /** The answer against the operation the document has for this method and path, for its status. */
  private static void validate(HttpMethod method, String path, HttpResponse<Buffer> answer) throws Exception {
    String pathOnly = path.split("\\?", 2)[0];
    Operation operation = contract.findOperation("/api" + pathOnly, method);
    assertNotNull(operation, "the document has no operation for " + method + " " + pathOnly);
    Map<String, String> headers = new HashMap<>();
    answer.headers().forEach(header -> headers.put(header.getKey(), header.getValue()));
    Buffer body = answer.body();
    ValidatableResponse response = body == null || body.length() == 0
      ? ValidatableResponse.create(answer.statusCode(), headers)
      : ValidatableResponse.create(answer.statusCode(), headers, body, answer.getHeader("Content-Type"));
    try {
      await(responses.validate(response, operation.getOperationId()));
    } catch (Exception e) {
      throw new AssertionError(method + " " + path + " → " + answer.statusCode() + " " + answer.bodyAsString()
        + " does not match the document: " + e.getMessage(), e);
    }
  }

  /** An answer against a response of components.responses (a route the document does not have). */
  private static void validateShared(String name, HttpResponse<Buffer> answer) {
    JsonObject shared = contract.getRawContract().getJsonObject("components").getJsonObject("responses").getJsonObject(name);
    JsonObject schema = shared.getJsonObject("content").getJsonObject(answer.getHeader("Content-Type")).getJsonObject("schema");
    OutputUnit verdict = contract.getSchemaRepository().validator(JsonSchema.of(schema)).validate(answer.bodyAsJsonObject());
    assertTrue(verdict.getValid(), name + ": " + answer.bodyAsString() + " " + verdict.getErrors());
  }

  private static io.vertx.json.schema.Validator requestSchema(String operationId) {
    Operation operation = contract.operation(operationId);
    assertNotNull(operation, "the document has no operation " + operationId);
    JsonSchema schema = operation.getRequestBody().getContent().get("application/json").getSchema();
    return contract.getSchemaRepository().validator(schema);
  }

  /** A documented path with a made-up conversation id, relative to /api as {@link Rest} takes it. */
  private static String concrete(String path) {
    assertTrue(path.startsWith("/api/"), path);
    return path.substring("/api".length()).replace("{id}", UUID.randomUUID().toString());
  }
}
