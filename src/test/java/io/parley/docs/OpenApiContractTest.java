package io.parley.docs;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.OpenAPIContractException;
import io.vertx.openapi.contract.OpenAPIVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAPI document is a valid OpenAPI 3.1 contract (loaded by vertx-openapi, which also refuses
 * broken ones) and says what docs/PROTOCOL.md says: the same REST routes, and only error codes of its
 * table, each with the table's HTTP status. What the node serves is checked in {@link OpenApiServedTest}.
 */
class OpenApiContractTest {

  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void the_document_is_a_valid_openapi_3_1_contract() throws Exception {
    JsonObject document = ApiDocument.load();
    OpenAPIContract contract = ApiDocument.contract(vertx, document);

    assertEquals(OpenAPIVersion.V3_1, contract.getVersion());
    assertFalse(document.getJsonObject("info").getString("version", "").isBlank(), "info.version");
    assertTrue(contract.getServers().isEmpty(), "no servers: the API is on the host serving the document, at the paths PROTOCOL.md names");
    assertEquals(ApiDocument.routes(document).size(), contract.operations().size(), "every operation has its own operationId");
    JsonObject bearer = document.getJsonObject("components").getJsonObject("securitySchemes").getJsonObject("bearerAuth");
    assertEquals(new JsonObject().put("type", "http").put("scheme", "bearer").put("bearerFormat", "JWT"),
      new JsonObject().put("type", bearer.getString("type")).put("scheme", bearer.getString("scheme"))
        .put("bearerFormat", bearer.getString("bearerFormat")));
    assertEquals(new JsonArray().add(new JsonObject().put("bearerAuth", new JsonArray())), document.getJsonArray("security"));
  }

  /** Without this, a loader that accepted anything would make the test above pass on any file. */
  @Test
  void a_broken_document_is_refused() throws Exception {
    Map<String, Consumer<JsonObject>> breakages = Map.of(
      "no info", doc -> doc.remove("info"),
      "an operation without responses", doc -> operation(doc, "/api/me", "get").remove("responses"),
      "a reference to no schema", doc -> operation(doc, "/api/me", "get").getJsonObject("responses").getJsonObject("200")
        .getJsonObject("content").getJsonObject("application/json").put("schema", new JsonObject().put("$ref", "#/components/schemas/Nobody")),
      "a path that is not a path", doc -> doc.getJsonObject("paths").put("api/me", doc.getJsonObject("paths").getJsonObject("/api/me")));
    for (Map.Entry<String, Consumer<JsonObject>> breakage : breakages.entrySet()) {
      JsonObject broken = ApiDocument.load();
      breakage.getValue().accept(broken);
      Exception refused = assertThrows(Exception.class, () -> ApiDocument.contract(vertx, broken), breakage.getKey() + " was accepted");
      assertInstanceOf(OpenAPIContractException.class, refused, breakage.getKey());
    }
  }

  @Test
  void the_document_and_protocol_md_list_the_same_rest_routes() throws Exception {
    Set<String> documented = ApiDocument.routes(ApiDocument.load());
    Set<String> protocol = ApiDocument.protocolRoutes();
    assertFalse(protocol.isEmpty(), "docs/PROTOCOL.md has REST tables");
    assertEquals(protocol, documented, "REST routes of docs/PROTOCOL.md vs the OpenAPI document");
  }

  /** Every code a response names is in PROTOCOL.md's error table (kept equal to the enums by ErrorTableTest), with its status. */
  @Test
  void every_error_code_the_document_names_is_in_protocol_md_with_its_status() throws Exception {
    JsonObject resolved = ApiDocument.contract(vertx, ApiDocument.load()).getRawContract();
    Map<String, Integer> table = ApiDocument.protocolErrorStatuses();
    assertFalse(table.isEmpty(), "docs/PROTOCOL.md has an error table");

    Map<String, Set<Integer>> named = new TreeMap<>();
    // The resolved contract, so each response's $ref is followed; its "__…__" entries are the resolver's annotations.
    resolved.getJsonObject("paths").forEach(path -> {
      if (path.getValue() instanceof JsonObject item) {
        item.forEach(op -> {
          if (ApiDocument.METHODS.contains(op.getKey())) {
            ((JsonObject) op.getValue()).getJsonObject("responses").forEach(response -> {
              if (response.getKey().matches("\\d{3}")) {
                codes(response.getValue()).forEach(code -> named.computeIfAbsent(code, c -> new TreeSet<>()).add(Integer.parseInt(response.getKey())));
              }
            });
          }
        });
      }
    });
    JsonObject shared = resolved.getJsonObject("components").getJsonObject("responses");
    codes(shared.getJsonObject("NoSuchRoute")).forEach(code -> named.computeIfAbsent(code, c -> new TreeSet<>()).add(404));
    codes(shared.getJsonObject("MethodNotAllowed")).forEach(code -> named.computeIfAbsent(code, c -> new TreeSet<>()).add(405));
    assertTrue(named.containsKey("NOT_FOUND") && named.containsKey("METHOD_NOT_ALLOWED"), "404/405 of unknown routes: " + named.keySet());

    Map<String, Set<Integer>> expected = new TreeMap<>();
    named.keySet().forEach(code -> expected.put(code, table.containsKey(code) ? Set.of(table.get(code)) : Set.of()));
    assertEquals(expected, named, "codes the document names → their statuses there vs in docs/PROTOCOL.md's error table");
    // And every code anywhere in the document (components included) is one of the table's.
    Set<String> anywhere = new TreeSet<>(codes(resolved));
    anywhere.removeAll(table.keySet());
    assertEquals(Set.of(), anywhere, "codes the document names that docs/PROTOCOL.md does not");
  }

  private static JsonObject operation(JsonObject document, String path, String method) {
    return document.getJsonObject("paths").getJsonObject(path).getJsonObject(method);
  }

  /** Every string in an {@code enum} of a property named {@code code}, anywhere under {@code node}. */
  private static Set<String> codes(Object node) {
    Set<String> codes = new TreeSet<>();
    if (node instanceof JsonObject object) {
      if (object.getValue("code") instanceof JsonObject code && code.getValue("enum") instanceof JsonArray values) {
        values.forEach(value -> codes.add((String) value));
      }
      object.forEach(entry -> codes.addAll(codes(entry.getValue())));
    } else if (node instanceof JsonArray array) {
      array.forEach(item -> codes.addAll(codes(item)));
    }
    return codes;
  }
}
