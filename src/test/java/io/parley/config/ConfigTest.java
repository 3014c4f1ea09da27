package io.parley.config;

import io.parley.common.Concern;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Configuration layering and validation: PARLEY_* environment overrides, validation that names the
 * offending key, and the real main refusing to start on a bad value with a clean exit code.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ConfigTest {

  private static JsonObject defaults;

  @BeforeAll
  static void readDefaults() throws IOException {
    defaults = new JsonObject(Files.readString(Path.of(ConfigLoader.DEFAULTS), StandardCharsets.UTF_8));
  }

  /** What the config retriever hands EnvOverrides: the defaults plus raw environment variables. */
  private static JsonObject withEnv(String... nameValue) {
    JsonObject merged = defaults.copy();
    merged.put("PATH", "/usr/bin:/bin");
    for (int i = 0; i < nameValue.length; i += 2) {
      merged.put(nameValue[i], nameValue[i + 1]);
    }
    return merged;
  }

  // ---- environment overrides -------------------------------------------------------------------

  @Test
  void http_port_from_env_becomes_a_number() {
    JsonObject tree = EnvOverrides.apply(withEnv("PARLEY_HTTP_PORT", "9090"));
    Object port = tree.getJsonObject("http").getValue("port");
    assertInstanceOf(Number.class, port, "http.port must be a number, not " + port.getClass().getSimpleName());
    assertEquals(9090, ((Number) port).intValue());
    assertFalse(tree.containsKey("PARLEY_HTTP_PORT"), "the raw variable does not stay in the tree");
    assertFalse(tree.containsKey("PATH"), "unrelated environment variables do not enter the tree");
    // the validator accepts the result
    ConfigValidator.validate(tree);
    assertEquals(9090, new ParleyConfig(tree).httpPort());
  }

  @Test
  void underscore_inside_a_key_is_resolved_against_the_defaults() {
    JsonObject tree = EnvOverrides.apply(withEnv("PARLEY_MONGO_CONNECTION_STRING", "mongodb://db.example:27017"));
    assertEquals("mongodb://db.example:27017", tree.getJsonObject("mongo").getString("connection_string"));
    assertEquals("parley", tree.getJsonObject("mongo").getString("database"), "siblings keep their defaults");
    assertFalse(tree.getJsonObject("mongo").containsKey("connection"), "no bogus 'connection' key");
  }

  @Test
  void nested_verticle_count_from_env() {
    JsonObject tree = EnvOverrides.apply(withEnv("PARLEY_NODE_VERTICLES_DELIVERY", "3"));
    JsonObject verticles = tree.getJsonObject("node").getJsonObject("verticles");
    assertInstanceOf(Number.class, verticles.getValue("delivery"));
    assertEquals(3, verticles.getInteger("delivery"));
    assertEquals(1, verticles.getInteger("gateway"), "other concerns keep their defaults");
    ConfigValidator.validate(tree);
    assertEquals(3, new ParleyConfig(tree).instances(Concern.DELIVERY));
  }

  @Test
  void unknown_parley_variable_is_rejected_by_name() {
    ConfigException e = assertThrows(ConfigException.class, () -> EnvOverrides.apply(withEnv("PARLEY_FOO", "1")));
    assertTrue(e.getMessage().contains("PARLEY_FOO"), e.getMessage());
  }

  @Test
  void non_numeric_value_for_a_number_is_rejected_naming_the_variable() {
    ConfigException e = assertThrows(ConfigException.class, () -> EnvOverrides.apply(withEnv("PARLEY_HTTP_PORT", "abc")));
    assertTrue(e.getMessage().contains("PARLEY_HTTP_PORT"), e.getMessage());
    assertTrue(e.getMessage().contains("abc"), "the bad value is shown: " + e.getMessage());
  }

  /** An operator reads the key of conf/config.json too, as every other config error names it. */
  @Test
  void non_numeric_value_for_a_number_also_names_the_config_key() {
    ConfigException e = assertThrows(ConfigException.class, () -> EnvOverrides.apply(withEnv("PARLEY_HTTP_PORT", "abc")));
    assertTrue(e.getMessage().contains("http.port"), e.getMessage());
  }

  @Test
  void the_general_room_is_named_from_env_and_empty_means_none() {
    assertEquals("general", new ParleyConfig(ConfigValidator.validate(EnvOverrides.apply(withEnv()))).generalRoom());
    JsonObject lobby = EnvOverrides.apply(withEnv("PARLEY_TENANTS_GENERAL_ROOM", "Lobby ☕"));
    assertEquals("Lobby ☕", new ParleyConfig(ConfigValidator.validate(lobby)).generalRoom());
    JsonObject none = EnvOverrides.apply(withEnv("PARLEY_TENANTS_GENERAL_ROOM", ""));
    assertEquals("", new ParleyConfig(ConfigValidator.validate(none)).generalRoom());
  }

  /** logback.xml documents PARLEY_LOG_LEVEL; setting it must not stop the node. */
  @Test
  void the_documented_log_level_variable_is_not_a_config_error() {
    JsonObject tree = EnvOverrides.apply(withEnv("PARLEY_LOG_LEVEL", "DEBUG"));
    ConfigValidator.validate(tree);
  }

  /** Receipts are on for every tenant unless turned off; a list of tenants comes comma-separated. */
  @Test
  void receipts_per_tenant_from_env() {
    ParleyConfig byDefault = new ParleyConfig(ConfigValidator.validate(EnvOverrides.apply(withEnv())));
    assertTrue(byDefault.receipts());
    assertEquals(List.of(), byDefault.receiptsOff());
    ParleyConfig off = new ParleyConfig(ConfigValidator.validate(EnvOverrides.apply(withEnv(
      "PARLEY_TENANTS_RECEIPTS", "false", "PARLEY_TENANTS_RECEIPTS_OFF", "acme,globex"))));
    assertFalse(off.receipts());
    assertEquals(List.of("acme", "globex"), off.receiptsOff());
  }

  // ---- validation through the loader -----------------------------------------------------------

  private static void failsNaming(Vertx vertx, VertxTestContext ctx, JsonObject overrides, String key) {
    ConfigLoader.load(vertx, null, overrides).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertInstanceOf(ConfigException.class, err, String.valueOf(err));
      assertTrue(err.getMessage().contains(key), err.getMessage());
      ctx.completeNow();
    })));
  }

  @Test
  void defaults_load_and_validate(Vertx vertx, VertxTestContext ctx) {
    ConfigLoader.load(vertx, null, new JsonObject()).onComplete(ctx.succeeding(config -> ctx.verify(() -> {
      assertEquals(8080, config.httpPort());
      assertEquals(210000, config.kdfIterations());
      assertEquals(1, config.instances(Concern.DELIVERY));
      assertEquals(3000, config.sockjsHeartbeatMs());
      ctx.completeNow();
    })));
  }

  @Test
  void port_out_of_range_is_rejected(Vertx vertx, VertxTestContext ctx) {
    failsNaming(vertx, ctx, new JsonObject().put("http", new JsonObject().put("port", 70000)), "http.port");
  }

  @Test
  void a_sockjs_heartbeat_below_500_ms_is_rejected(Vertx vertx, VertxTestContext ctx) {
    failsNaming(vertx, ctx, new JsonObject().put("http", new JsonObject().put("sockjs_heartbeat_ms", 100)), "http.sockjs_heartbeat_ms");
  }

  @Test
  void a_sockjs_heartbeat_over_a_minute_is_rejected(Vertx vertx, VertxTestContext ctx) {
    failsNaming(vertx, ctx, new JsonObject().put("http", new JsonObject().put("sockjs_heartbeat_ms", 60_001)), "http.sockjs_heartbeat_ms");
  }

  @Test
  void short_jwt_secret_is_rejected(Vertx vertx, VertxTestContext ctx) {
    failsNaming(vertx, ctx, new JsonObject().put("auth", new JsonObject().put("jwt_secret", "short")), "auth.jwt_secret");
  }

  @Test
  void non_mongodb_connection_string_is_rejected(Vertx vertx, VertxTestContext ctx) {
    failsNaming(vertx, ctx, new JsonObject().put("mongo", new JsonObject().put("connection_string", "http://x")),
      "mongo.connection_string");
  }

  @Test
  void embedded_store_durability_settings_are_checked(Vertx vertx, VertxTestContext ctx) {
    failsNaming(vertx, ctx, new JsonObject().put("mongo", new JsonObject().put("embedded", new JsonObject().put("fsync", "yes"))),
      "mongo.embedded.fsync");
  }

  @Test
  void a_checkpoint_interval_below_10_ms_is_rejected(Vertx vertx, VertxTestContext ctx) {
    failsNaming(vertx, ctx, new JsonObject().put("mongo", new JsonObject().put("embedded", new JsonObject().put("checkpoint_ms", 0))),
      "mongo.embedded.checkpoint_ms");
  }

  @Test
  void unknown_concern_is_rejected(Vertx vertx, VertxTestContext ctx) {
    failsNaming(vertx, ctx, new JsonObject().put("node", new JsonObject().put("verticles", new JsonObject().put("bogus", 1))),
      "node.verticles.bogus");
  }

  /** A general room's name is any room's name: within limits.name_max_bytes (UTF-8), not blank. */
  @Test
  void a_general_room_name_past_the_name_limit_is_rejected(Vertx vertx, VertxTestContext ctx) {
    failsNaming(vertx, ctx, new JsonObject().put("tenants", new JsonObject().put("general_room", "é".repeat(101))),
      "tenants.general_room");
  }

  @Test
  void a_blank_general_room_name_is_rejected(Vertx vertx, VertxTestContext ctx) {
    failsNaming(vertx, ctx, new JsonObject().put("tenants", new JsonObject().put("general_room", "  ")), "tenants.general_room");
  }

  @Test
  void a_general_room_that_is_not_a_string_is_rejected(Vertx vertx, VertxTestContext ctx) {
    failsNaming(vertx, ctx, new JsonObject().put("tenants", new JsonObject().put("general_room", false)), "tenants.general_room");
  }

  @Test
  void receipts_off_must_name_tenant_ids(Vertx vertx, VertxTestContext ctx) {
    failsNaming(vertx, ctx, new JsonObject().put("tenants", new JsonObject().put("receipts_off", new JsonArray().add("Not A Tenant"))),
      "tenants.receipts_off");
  }

  @Test
  void receipts_must_be_a_boolean(Vertx vertx, VertxTestContext ctx) {
    failsNaming(vertx, ctx, new JsonObject().put("tenants", new JsonObject().put("receipts", "off")), "tenants.receipts");
  }

  @Test
  void wrong_type_is_rejected(Vertx vertx, VertxTestContext ctx) {
    failsNaming(vertx, ctx, new JsonObject().put("http", new JsonObject().put("port", "8080")), "http.port");
  }

  // ---- the real main ---------------------------------------------------------------------------

  /** How a child JVM running io.parley.Main ended. */
  private record Run(boolean exited, int exitCode, String output) {
  }

  /** Runs the real main in a child JVM in {@code workDir} with the given PARLEY_* variables (and no others). */
  private static Future<Run> runMain(Vertx vertx, Path workDir, String... nameValue) throws IOException {
    Path output = workDir.resolve("main-output.txt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), "io.parley.Main"))
      .directory(workDir.toFile())
      .redirectErrorStream(true)
      .redirectOutput(output.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("PARLEY_"));
    for (int i = 0; i < nameValue.length; i += 2) {
      builder.environment().put(nameValue[i], nameValue[i + 1]);
    }
    Process process = builder.start();
    // Waiting blocks: on a worker, never on the event loop.
    return vertx.executeBlocking(() -> {
      boolean exited = process.waitFor(30, TimeUnit.SECONDS);
      if (!exited) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      return new Run(exited, exited ? process.exitValue() : -1, Files.readString(output, StandardCharsets.UTF_8));
    });
  }

  private static void assertCleanConfigExit(Run run, String key) {
    assertTrue(run.exited(), "main must exit on a bad config within 30 s; output:\n" + run.output());
    assertEquals(2, run.exitCode(), "exit code; output:\n" + run.output());
    assertTrue(run.output().contains(key), "the output names " + key + "; output:\n" + run.output());
    assertFalse(run.output().contains("\tat "), "no stack trace; output:\n" + run.output());
  }

  @Test
  void main_exits_2_naming_the_key_without_a_stack_trace(Vertx vertx, VertxTestContext ctx) throws Exception {
    Path workDir = Files.createTempDirectory("parley-main-");
    runMain(vertx, workDir, "PARLEY_HTTP_PORT", "notaport").onComplete(ctx.succeeding(run -> ctx.verify(() -> {
      assertCleanConfigExit(run, "http.port");
      assertFalse(Files.exists(workDir.resolve("data")), "nothing was started or created");
      ctx.completeNow();
    })));
  }

  @Test
  void main_exits_2_on_an_invalid_value_from_a_config_file(Vertx vertx, VertxTestContext ctx) throws Exception {
    Path workDir = Files.createTempDirectory("parley-main-");
    Path file = workDir.resolve("operator.json");
    Files.writeString(file, new JsonObject().put("http", new JsonObject().put("port", 70000)).encode());
    runMain(vertx, workDir, "PARLEY_CONFIG", file.toString()).onComplete(ctx.succeeding(run -> ctx.verify(() -> {
      assertCleanConfigExit(run, "http.port");
      ctx.completeNow();
    })));
  }
}
