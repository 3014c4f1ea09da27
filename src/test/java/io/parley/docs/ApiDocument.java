package io.parley.docs;

import io.parley.testing.Async;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The REST API's OpenAPI document (src/main/resources/openapi/parley-api.json) and what docs/PROTOCOL.md
 * says, read the way a client author reads them: routes as "METHOD /api/path", with
 * {@code {id}} for a path segment.
 */
final class ApiDocument {

  static final String RESOURCE = "openapi/parley-api.json";
  static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

  /** A REST row of PROTOCOL.md: | `METHOD /api/path?query` …. */
  private static final Pattern PROTOCOL_ROUTE = Pattern.compile("^\\| `(GET|POST|PUT|DELETE|PATCH) (/api/[^`?\\s]*)[^`]*` .*$");
  /** A row of PROTOCOL.md's error table: | `CODE` | failureCode | HTTP | when |. */
  private static final Pattern ERROR_ROW = Pattern.compile("^\\| `([A-Z_]+)` \\| (\\d+) \\| (\\d+) \\|.*$");

  private ApiDocument() {
  }

  /** The document as the node ships it: from the classpath. */
  static JsonObject load() throws Exception {
    try (InputStream in = ApiDocument.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new AssertionError("no classpath resource " + RESOURCE);
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** Loads {@code document} with vertx-openapi (on a copy: resolving annotates the JSON it is given). */
  static OpenAPIContract contract(Vertx vertx, JsonObject document) throws Exception {
    return Async.await(OpenAPIContract.from(vertx, document.copy()));
  }

  /** "METHOD /path" of every operation in {@code document}. */
  static Set<String> routes(JsonObject document) {
    Set<String> routes = new TreeSet<>();
    document.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).fieldNames().stream()
      .filter(METHODS::contains)
      .forEach(method -> routes.add(method.toUpperCase() + " " + path.getKey())));
    return routes;
  }

  /** vertx-web's {@code /api/conversations/:id} as OpenAPI's {@code /api/conversations/{id}}. */
  static String openApiPath(String routerPath) {
    return routerPath.replaceAll(":([A-Za-z]+)", "{$1}");
  }

  /** "METHOD /path" of every REST route PROTOCOL.md's tables list (the query string dropped). */
  static Set<String> protocolRoutes() throws Exception {
    Set<String> routes = new TreeSet<>();
    for (String line : Files.readAllLines(Path.of("docs/PROTOCOL.md"))) {
      Matcher row = PROTOCOL_ROUTE.matcher(line);
      if (row.matches()) {
        routes.add(row.group(1) + " " + openApiPath(row.group(2)));
      }
    }
    return routes;
  }

  /** PROTOCOL.md's error table: code → HTTP status. */
  static Map<String, Integer> protocolErrorStatuses() throws Exception {
    Map<String, Integer> codes = new TreeMap<>();
    for (String line : Files.readAllLines(Path.of("docs/PROTOCOL.md"))) {
      Matcher row = ERROR_ROW.matcher(line);
      if (row.matches()) {
        codes.put(row.group(1), Integer.parseInt(row.group(3)));
      }
    }
    return codes;
  }

  /**
   * The same document where every object schema that lists its properties takes no others, so that a
   * field the server sends and the document does not name fails validation too. (The published document
   * leaves objects open, so that clients generated from it accept fields added later.)
   */
  static JsonObject strict(JsonObject document) {
    JsonObject copy = document.copy();
    copy.getJsonObject("components").getJsonObject("schemas").forEach(schema -> closeObjects(schema.getValue()));
    return copy;
  }

  private static void closeObjects(Object node) {
    if (node instanceof JsonObject object) {
      if (object.containsKey("properties") && !object.containsKey("additionalProperties")) {
        object.put("additionalProperties", false);
      }
      object.forEach(entry -> closeObjects(entry.getValue()));
    } else if (node instanceof JsonArray array) {
      array.forEach(ApiDocument::closeObjects);
    }
  }
}
