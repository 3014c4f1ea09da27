package io.parley.config;

import io.parley.auth.api.AuthLimits;
import io.parley.common.Concern;
import io.parley.common.TrustedProxies;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/** Checks every setting the node reads, so a bad value stops the start with the key named. */
final class ConfigValidator {

  private ConfigValidator() {
  }

  static JsonObject validate(JsonObject config) {
    JsonObject verticles = object(config, "node.verticles");
    for (String concern : verticles.fieldNames()) {
      if (Concern.ofKey(concern) == null) {
        throw new ConfigException("node.verticles." + concern, "unknown concern; known: "
          + Arrays.stream(Concern.values()).map(Concern::key).toList());
      }
      integer(config, "node.verticles." + concern, 0, 64);
    }
    integer(config, "node.shutdown_grace_ms", 0, 600_000);
    String logFormat = string(config, "log.format", false);
    if (!Set.of("text", "json").contains(logFormat)) {
      throw new ConfigException("log.format", "must be text or json, got '" + logFormat + "'");
    }
    string(config, "http.host", false);
    integer(config, "http.port", 0, 65535);
    integer(config, "http.max_body_bytes", 1024, 64 * 1024 * 1024);
    integer(config, "http.request_timeout_ms", 100, 600_000);
    integer(config, "http.sockjs_heartbeat_ms", 500, 60_000);
    long management = integer(config, "http.management_port", 0, 65535);
    string(config, "http.management_host", false);
    if (management != 0 && management == integer(config, "http.port", 0, 65535)) {
      throw new ConfigException("http.management_port", "must differ from http.port (or be 0 to serve operations on it)");
    }
    string(config, "http.webroot", false);
    String opsToken = string(config, "http.ops_token", true);
    if (!opsToken.isEmpty() && opsToken.length() < 16) {
      throw new ConfigException("http.ops_token", "must be at least 16 characters (or empty to leave /metrics open)");
    }
    if (!(value(config, "http.trusted_proxies") instanceof io.vertx.core.json.JsonArray proxies)
      || proxies.stream().anyMatch(p -> !(p instanceof String))) {
      throw new ConfigException("http.trusted_proxies", "must be a list of IP addresses or CIDR ranges");
    }
    try {
      TrustedProxies.of(proxies.stream().map(String::valueOf).toList());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("http.trusted_proxies", e.getMessage());
    }
    String connection = string(config, "mongo.connection_string", true);
    if (!connection.isEmpty() && !connection.startsWith("mongodb://") && !connection.startsWith("mongodb+srv://")) {
      throw new ConfigException("mongo.connection_string", "must start with mongodb:// or mongodb+srv:// (or be empty for the embedded store)");
    }
    string(config, "mongo.database", false);
    integer(config, "mongo.server_selection_timeout_ms", 100, 600_000);
    integer(config, "mongo.connect_timeout_ms", 100, 600_000);
    integer(config, "mongo.socket_timeout_ms", 0, 600_000);
    string(config, "mongo.embedded.data_dir", false);
    integer(config, "mongo.embedded.port", 0, 65535);
    bool(config, "mongo.embedded.fsync");
    integer(config, "mongo.embedded.checkpoint_ms", 10, 600_000);
    String redis = string(config, "redis.connection_string", true);
    if (!redis.isEmpty() && !redis.startsWith("redis://") && !redis.startsWith("rediss://") && !redis.startsWith("unix://")) {
      throw new ConfigException("redis.connection_string", "must start with redis://, rediss:// or unix:// (or be empty for in-process fan-out)");
    }
    String secret = string(config, "auth.jwt_secret", true);
    if (!secret.isEmpty() && secret.length() < 32) {
      throw new ConfigException("auth.jwt_secret", "must be at least 32 characters (or empty to generate one under the data directory)");
    }
    string(config, "auth.issuer", false);
    integer(config, "auth.access_ttl_seconds", 5, 86_400);
    integer(config, "auth.refresh_ttl_seconds", 300, 365L * 86_400);
    integer(config, "auth.kdf_iterations", 10_000, 10_000_000);
    validateCluster(config, connection, redis, secret);
    bool(config, "messages.room_wide_mentions");
    bool(config, "live.presence");
    integer(config, "live.presence_ttl_seconds", 3, 3600);
    integer(config, "live.idle_away_seconds", 2, 86_400);
    integer(config, "live.typing_expiry_seconds", 2, 60);
    validateAttachments(config);
    integer(config, "limits.message_max_bytes", 1, 1024 * 1024);
    integer(config, "limits.name_max_bytes", 1, 4096);
    integer(config, "limits.members_max", 2, 100_000);
    integer(config, "limits.page_max", 1, 10_000);
    integer(config, "limits.conversations_per_user", 1, 1_000_000);
    integer(config, "limits.connections_per_user", 1, 100_000);
    integer(config, "limits.sync_batch", 1, 10_000);
    integer(config, "limits.sends_in_flight", 1, 1_000_000);
    integer(config, "limits.client_queue_bytes", 64 * 1024, 256 * 1024 * 1024);
    integer(config, "limits.login_attempts_per_account", 1, 1_000_000);
    integer(config, "limits.login_window_seconds", 1, 86_400);
    integer(config, "limits.password_checks_pending", 1, 100_000);
    integer(config, "limits.requests_in_flight_per_connection", 1, 100_000);
    integer(config, "limits.requests_in_flight_per_user", 1, 1_000_000);
    for (String kind : object(config, "limits.rates").fieldNames()) {
      integer(config, "limits.rates." + kind + ".burst", 1, 1_000_000_000);
      integer(config, "limits.rates." + kind + ".per_minute", 0, 1_000_000_000);
    }
    for (String kind : Set.of("sends_per_user", "rest_writes_per_user", "auth_per_address", "typing_per_user")) {
      object(config, "limits.rates." + kind);
    }
    bool(config, "tenants.receipts");
    if (!(value(config, "tenants.receipts_off") instanceof io.vertx.core.json.JsonArray off)
      || off.stream().anyMatch(t -> !(t instanceof String id) || !AuthLimits.TENANT.matcher(id).matches())) {
      throw new ConfigException("tenants.receipts_off", "must be a list of tenant ids; each " + AuthLimits.TENANT_RULE);
    }
    validateGeneralRoom(config);
    return config;
  }

  private static void validateAttachments(JsonObject config) {
    String clamd = string(config, "attachments.clamd", true);
    if (!clamd.isEmpty() && !clamd.startsWith("unix:") && !clamd.matches("[^:\\s]+:\\d{1,5}")) {
      throw new ConfigException("attachments.clamd", "must be host:port or unix:/path/to/clamd.sock (or empty: no scanning)");
    }
    integer(config, "attachments.scan_timeout_ms", 100, 3_600_000);
    integer(config, "attachments.max_file_bytes", 1, 1L << 40);
    integer(config, "attachments.files_per_message", 1, 100);
    integer(config, "attachments.bytes_per_user_per_day", 1, 1L << 50);
    integer(config, "attachments.unclaimed_ttl_seconds", 60, 365L * 86_400);
    integer(config, "attachments.thumbnail_px", 16, 4096);
    integer(config, "attachments.image_max_pixels", 1, 1_000_000_000);
    string(config, "attachments.uploads_dir", true);
    if (!(value(config, "attachments.allowed_types") instanceof io.vertx.core.json.JsonArray types)
      || types.stream().anyMatch(t -> !(t instanceof String type) || !type.matches("[a-z0-9.+-]+/[a-z0-9.+-]+"))) {
      throw new ConfigException("attachments.allowed_types", "must be a list of media types such as image/png");
    }
  }

  /** The general room's name obeys the rule for any room's name; empty means no general room. */
  private static void validateGeneralRoom(JsonObject config) {
    String name = string(config, "tenants.general_room", true);
    long max = integer(config, "limits.name_max_bytes", 1, 4096);
    if (!name.isEmpty() && name.isBlank()) {
      throw new ConfigException("tenants.general_room", "must be a room name, or empty for no general room");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > max) {
      throw new ConfigException("tenants.general_room", "must be at most limits.name_max_bytes (" + max + ") bytes");
    }
  }

  private static void validateCluster(JsonObject config, String mongo, String redis, String secret) {
    boolean on = bool(config, "cluster.enabled");
    string(config, "cluster.name", false);
    string(config, "cluster.host", true);
    string(config, "cluster.public_host", true);
    integer(config, "cluster.port", 1, 65535);
    integer(config, "cluster.heartbeat_timeout_seconds", 1, 600);
    String join = string(config, "cluster.join", false);
    if (!Set.of("tcp", "multicast", "kubernetes").contains(join)) {
      throw new ConfigException("cluster.join", "must be tcp, multicast or kubernetes, got '" + join + "'");
    }
    if (!(value(config, "cluster.members") instanceof io.vertx.core.json.JsonArray members)
      || members.stream().anyMatch(m -> !(m instanceof String text) || text.isBlank())) {
      throw new ConfigException("cluster.members", "must be a list of host[:port] strings");
    }
    String service = string(config, "cluster.kubernetes_service", true);
    if (!on) {
      return;
    }
    // Every node of a cluster must share the store, the fan-out and the token secret.
    if (mongo.isEmpty()) {
      throw new ConfigException("mongo.connection_string", "is required when cluster.enabled: all nodes must share one MongoDB");
    }
    if (redis.isEmpty()) {
      throw new ConfigException("redis.connection_string", "is required when cluster.enabled: events cross nodes through Redis");
    }
    if (secret.isEmpty()) {
      throw new ConfigException("auth.jwt_secret", "is required when cluster.enabled: every node must verify every node's tokens");
    }
    if (join.equals("tcp") && members.isEmpty()) {
      throw new ConfigException("cluster.members", "must list at least one member for cluster.join tcp");
    }
    if (join.equals("kubernetes") && service.isBlank()) {
      throw new ConfigException("cluster.kubernetes_service", "is required for cluster.join kubernetes");
    }
  }

  private static Object value(JsonObject config, String key) {
    Object node = config;
    for (String part : key.split("\\.")) {
      if (!(node instanceof JsonObject object) || !object.containsKey(part)) {
        throw new ConfigException(key, "is missing");
      }
      node = object.getValue(part);
    }
    return node;
  }

  private static JsonObject object(JsonObject config, String key) {
    if (!(value(config, key) instanceof JsonObject object)) {
      throw new ConfigException(key, "must be an object");
    }
    return object;
  }

  private static long integer(JsonObject config, String key, long min, long max) {
    Object value = value(config, key);
    if (!(value instanceof Number number) || number.doubleValue() != Math.rint(number.doubleValue())) {
      throw new ConfigException(key, "must be an integer, got " + describe(value));
    }
    long result = number.longValue();
    if (result < min || result > max) {
      throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + result);
    }
    return result;
  }

  private static boolean bool(JsonObject config, String key) {
    Object value = value(config, key);
    if (!(value instanceof Boolean on)) {
      throw new ConfigException(key, "must be true or false, got " + describe(value));
    }
    return on;
  }

  private static String string(JsonObject config, String key, boolean mayBeEmpty) {
    Object value = value(config, key);
    if (!(value instanceof String text)) {
      throw new ConfigException(key, "must be a string, got " + describe(value));
    }
    if (!mayBeEmpty && text.isBlank()) {
      throw new ConfigException(key, "must not be empty");
    }
    return text;
  }

  private static String describe(Object value) {
    return value == null ? "null" : value.getClass().getSimpleName().replace("Json", "").toLowerCase() + " '" + value + "'";
  }
}
