package io.parley.config;

import io.parley.common.Concern;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** Typed, read-only view of a validated configuration; verticles get the JSON and wrap it again. */
public record ParleyConfig(JsonObject json) {

  public static ParleyConfig of(JsonObject json) {
    return new ParleyConfig(json);
  }

  public int instances(Concern concern) {
    return json.getJsonObject("node").getJsonObject("verticles").getInteger(concern.key(), 0);
  }

  /** "text" or "json" (see logback.xml). */
  public String logFormat() { return json.getJsonObject("log").getString("format"); }

  public long shutdownGraceMs() { return node().getLong("shutdown_grace_ms"); }

  public String httpHost() { return http().getString("host"); }

  public int httpPort() { return http().getInteger("port"); }

  public long maxBodyBytes() { return http().getLong("max_body_bytes"); }

  /** Empty: /metrics and /health/detailed are open. */
  public String opsToken() { return http().getString("ops_token"); }

  /** Peers (IPs or CIDR ranges) whose X-Forwarded-For names the client; anyone else is the client. */
  public List<String> trustedProxies() {
    return http().getJsonArray("trusted_proxies").stream().map(String::valueOf).toList();
  }

  /** 0: /metrics and /health/detailed are on the main port; else only on this one, at {@link #managementHost()}. */
  public int managementPort() { return http().getInteger("management_port"); }

  public String managementHost() { return http().getString("management_host"); }

  public long requestTimeoutMs() { return http().getLong("request_timeout_ms"); }

  /** How often SockJS sessions get a heartbeat frame ({@code h}), so a client notices a dead network soon. */
  public long sockjsHeartbeatMs() { return http().getLong("sockjs_heartbeat_ms"); }

  public String webroot() { return http().getString("webroot"); }

  public String mongoConnectionString() { return mongo().getString("connection_string"); }

  public boolean mongoEmbedded() { return mongoConnectionString().isBlank(); }

  public String mongoDatabase() { return mongo().getString("database"); }

  /** How long an operation waits for a reachable store before failing (the driver's server selection). */
  public int mongoServerSelectionTimeoutMs() { return mongo().getInteger("server_selection_timeout_ms"); }

  public int mongoConnectTimeoutMs() { return mongo().getInteger("connect_timeout_ms"); }

  /** How long a store operation waits for its answer on an open connection; 0 = for ever. */
  public int mongoSocketTimeoutMs() { return mongo().getInteger("socket_timeout_ms"); }

  public String dataDir() { return mongo().getJsonObject("embedded").getString("data_dir"); }

  public int embeddedMongoPort() { return mongo().getJsonObject("embedded").getInteger("port"); }

  public boolean embeddedMongoFsync() { return mongo().getJsonObject("embedded").getBoolean("fsync"); }

  public int embeddedMongoCheckpointMs() { return mongo().getJsonObject("embedded").getInteger("checkpoint_ms"); }

  /** Empty: single node, events fan out in-process. */
  public String redisConnectionString() { return json.getJsonObject("redis").getString("connection_string"); }

  public boolean clustered() { return cluster().getBoolean("enabled"); }

  /** The cluster section as given: join method, members, host, ports (see ClusterSetup). */
  public JsonObject cluster() { return json.getJsonObject("cluster"); }

  public String jwtSecret() { return auth().getString("jwt_secret"); }

  public String issuer() { return auth().getString("issuer"); }

  public int accessTtlSeconds() { return auth().getInteger("access_ttl_seconds"); }

  public long refreshTtlSeconds() { return auth().getLong("refresh_ttl_seconds"); }

  public int kdfIterations() { return auth().getInteger("kdf_iterations"); }

  /** {@code live}: presence on/off, its TTL (the bound on noticing a dead instance), idle-away, typing expiry. */
  public JsonObject live() { return json.getJsonObject("live"); }

  /** {@code attachments}: clamd, sizes, types, previews, how long an upload waits for its message. */
  public JsonObject attachments() { return json.getJsonObject("attachments"); }

  /** Whether @here and @all in a room mention its members. */
  public boolean roomWideMentions() { return json.getJsonObject("messages").getBoolean("room_wide_mentions"); }

  public int messageMaxBytes() { return limits().getInteger("message_max_bytes"); }

  public int nameMaxBytes() { return limits().getInteger("name_max_bytes"); }

  public int membersMax() { return limits().getInteger("members_max"); }

  public int pageMax() { return limits().getInteger("page_max"); }

  /** Conversations one user may be in; creating, joining or inviting past it is refused. */
  public int conversationsPerUser() { return limits().getInteger("conversations_per_user"); }

  /** Bridge connections one user may hold on one node. */
  public int connectionsPerUser() { return limits().getInteger("connections_per_user"); }

  public int syncBatch() { return limits().getInteger("sync_batch"); }

  /** Sends one delivery instance accepts at once; more are refused at once instead of queueing without bound. */
  public int sendsInFlight() { return limits().getInteger("sends_in_flight"); }

  public int clientQueueBytes() { return limits().getInteger("client_queue_bytes"); }

  public int loginAttemptsPerAccount() { return limits().getInteger("login_attempts_per_account"); }

  public int loginWindowSeconds() { return limits().getInteger("login_window_seconds"); }

  public int passwordChecksPending() { return limits().getInteger("password_checks_pending"); }

  public int requestsInFlightPerConnection() { return limits().getInteger("requests_in_flight_per_connection"); }

  public int requestsInFlightPerUser() { return limits().getInteger("requests_in_flight_per_user"); }

  /** The name of the public room every tenant's users join on registering; empty: none. */
  public String generalRoom() { return json.getJsonObject("tenants").getString("general_room"); }

  /** {@code limits.rates}: per kind a token bucket, {@code burst} and {@code per_minute} (0 turns it off). */
  public JsonObject rates() { return limits().getJsonObject("rates"); }

  /** {@code tenants.receipts}: delivered and read receipts for every tenant not in {@link #receiptsOff()}. */
  public boolean receipts() { return tenants().getBoolean("receipts"); }

  /** {@code tenants.receipts_off}: tenant ids whose members never see each other's positions. */
  public List<String> receiptsOff() {
    return tenants().getJsonArray("receipts_off").stream().map(String::valueOf).toList();
  }

  /** A copy with one setting replaced, e.g. the resolved store address or generated secret. */
  public ParleyConfig with(String section, String key, Object value) {
    JsonObject copy = json.copy();
    copy.getJsonObject(section).put(key, value);
    return new ParleyConfig(copy);
  }

  private JsonObject node() { return json.getJsonObject("node"); }

  private JsonObject http() { return json.getJsonObject("http"); }

  private JsonObject mongo() { return json.getJsonObject("mongo"); }

  private JsonObject auth() { return json.getJsonObject("auth"); }

  private JsonObject limits() { return json.getJsonObject("limits"); }

  private JsonObject tenants() { return json.getJsonObject("tenants"); }
}
