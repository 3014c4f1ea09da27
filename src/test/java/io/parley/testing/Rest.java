package io.parley.testing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.multipart.MultipartForm;

import java.nio.file.Path;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A thin REST client for tests: raw responses, so tests can assert status, headers and error codes. */
public final class Rest {

  public static final String PASSWORD = "correct-horse-battery";

  private final WebClient client;

  public Rest(Vertx vertx, int port) {
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  public Future<HttpResponse<Buffer>> call(HttpMethod method, String path, String token, JsonObject body) {
    return call(method, path, token, body, MultiMap.caseInsensitiveMultiMap());
  }

  /** With extra request headers, e.g. X-Forwarded-For. */
  public Future<HttpResponse<Buffer>> call(HttpMethod method, String path, String token, JsonObject body, MultiMap headers) {
    HttpRequest<Buffer> request = client.request(method, "/api" + path).putHeaders(headers);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return body == null ? request.send() : request.sendJsonObject(body);
  }

  /** Sends a raw body, for malformed-input tests. */
  public Future<HttpResponse<Buffer>> raw(HttpMethod method, String path, String token, String body) {
    HttpRequest<Buffer> request = client.request(method, "/api" + path).putHeader("content-type", "application/json");
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return request.sendBuffer(Buffer.buffer(body));
  }

  /**
   * Uploads a file as the multipart field {@code file}, streamed from disk; {@code declaredType} is what
   * the client claims (the server decides from the bytes).
   */
  public Future<HttpResponse<Buffer>> upload(String token, String conversationId, Path file, String name, String declaredType) {
    HttpRequest<Buffer> request = client.post("/api/conversations/" + conversationId + "/attachments");
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return request.sendMultipartForm(MultipartForm.create().binaryFileUpload("file", name, file.toString(), declaredType));
  }

  /** Uploads and expects 201: the attachment as answered. */
  public Future<JsonObject> uploaded(String token, String conversationId, Path file, String name) {
    return upload(token, conversationId, file, name, "application/octet-stream").compose(response -> check(response, 201));
  }

  /** Sends a message carrying these attachments (and this text, which may be empty). */
  public Future<JsonObject> sendWith(String token, String conversationId, String clientMsgId, String text, List<String> attachmentIds) {
    return expect(201, "/conversations/" + conversationId + "/messages", token, new JsonObject()
      .put("clientMsgId", clientMsgId).put("text", text).put("attachments", new JsonArray(attachmentIds)));
  }

  public Future<HttpResponse<Buffer>> get(String path, String token) {
    return call(HttpMethod.GET, path, token, null);
  }

  public Future<HttpResponse<Buffer>> post(String path, String token, JsonObject body) {
    return call(HttpMethod.POST, path, token, body);
  }

  /** POST that must answer {@code status}; yields the JSON body. */
  public Future<JsonObject> expect(int status, String path, String token, JsonObject body) {
    return post(path, token, body).compose(response -> check(response, status));
  }

  public Future<JsonObject> expectGet(int status, String path, String token) {
    return get(path, token).compose(response -> check(response, status));
  }

  public static Future<JsonObject> check(HttpResponse<Buffer> response, int status) {
    if (response.statusCode() != status) {
      return Future.failedFuture(new AssertionError("expected HTTP " + status + " but got " + response.statusCode()
        + ": " + response.bodyAsString()));
    }
    Buffer body = response.body();
    return Future.succeededFuture(body == null || body.length() == 0 ? new JsonObject() : body.toJsonObject());
  }

  /** Registers and logs in; yields the login answer (accessToken, refreshToken, userId, …). */
  public Future<JsonObject> user(String tenant, String username) {
    JsonObject credentials = new JsonObject().put("tenant", tenant).put("username", username).put("password", PASSWORD);
    return expect(201, "/auth/register", null, credentials)
      .compose(registered -> expect(200, "/auth/login", null, credentials));
  }

  /** Registers and logs in each of {@code names} in {@code tenant}; yields their login answers by name. */
  public Future<Map<String, JsonObject>> users(String tenant, String... names) {
    List<Future<JsonObject>> sessions = Arrays.stream(names).map(name -> user(tenant, name)).toList();
    return Future.all(sessions).map(all -> {
      Map<String, JsonObject> byName = new HashMap<>();
      for (int i = 0; i < names.length; i++) {
        byName.put(names[i], sessions.get(i).result());
      }
      return byName;
    });
  }

  /** {@code count} users "prefix00", "prefix01", … registered one after another; yields their login answers. */
  public Future<List<JsonObject>> numberedUsers(String tenant, String prefix, int count) {
    List<JsonObject> users = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < count; i++) {
      String name = String.format("%s%02d", prefix, i);
      chain = chain.compose(v -> user(tenant, name).map(users::add).mapEmpty());
    }
    return chain.map(v -> users);
  }

  /** A room {@code users.get(0)} creates with all the others in it; yields its id. */
  public Future<String> roomWithEveryone(List<JsonObject> users, String name) {
    List<String> others = users.subList(1, users.size()).stream().map(u -> u.getString("username")).toList();
    return createConversation(users.get(0).getString("accessToken"),
      new JsonObject().put("type", "room").put("name", name).put("members", new JsonArray(others))).map(room -> room.getString("id"));
  }

  public Future<JsonObject> createConversation(String token, JsonObject body) {
    return expect(201, "/conversations", token, body);
  }

  public Future<JsonObject> send(String token, String conversationId, String clientMsgId, String text) {
    return expect(201, "/conversations/" + conversationId + "/messages", token,
      new JsonObject().put("clientMsgId", clientMsgId).put("text", text));
  }

  public Future<JsonObject> history(String token, String conversationId, String query) {
    return expectGet(200, "/conversations/" + conversationId + "/messages" + (query.isEmpty() ? "" : "?" + query), token);
  }

  /** Every stored message of a conversation by seq, paging through history 200 at a time. */
  public Future<java.util.TreeMap<Long, JsonObject>> allMessages(String token, String conversationId) {
    return allMessagesAfter(token, conversationId, 0, new java.util.TreeMap<>());
  }

  private Future<java.util.TreeMap<Long, JsonObject>> allMessagesAfter(String token, String conversationId, long after,
                                                                      java.util.TreeMap<Long, JsonObject> stored) {
    return history(token, conversationId, "after=" + after + "&limit=200").compose(page -> {
      page.getJsonArray("messages").forEach(m -> stored.put(((JsonObject) m).getLong("seq"), (JsonObject) m));
      return page.getBoolean("hasMore") && !stored.isEmpty()
        ? allMessagesAfter(token, conversationId, stored.lastKey(), stored) : Future.succeededFuture(stored);
    });
  }

  public void close() {
    client.close();
  }
}
