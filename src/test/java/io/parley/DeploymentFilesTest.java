package io.parley;

import com.mongodb.ConnectionString;
import com.sun.net.httpserver.HttpServer;
import io.parley.config.ConfigException;
import io.parley.config.ConfigLoader;
import io.parley.config.ParleyConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the deployment files valid on a machine without Docker: docker-compose.yml (read with SnakeYAML) is
 * cross-checked against Parley's own config loader, and both nginx configurations (compose's and the one
 * scripts/cluster.sh writes) are checked by nginx itself: nginx -t, nginx -T, and nginx proxying to stand-in
 * Parley instances. nginx (and node, which the build needs anyway) must be installed; if not, the test fails.
 */
class DeploymentFilesTest {

  private static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath();
  private static final List<String> MONGO_MEMBERS = List.of("mongo1:27017", "mongo2:27017", "mongo3:27017");
  private static final String REPLICA_SET = "rs0";
  private static final String JWT_SECRET = "PARLEY_AUTH_JWT_SECRET";
  private static final String OPS_TOKEN = "PARLEY_HTTP_OPS_TOKEN";
  /** The one service besides nginx with a port: Grafana, on loopback. */
  private static final String OPERATOR_UI = "grafana";
  /** PARLEY_ variables Parley reads that are not config keys (the config file, the log level). */
  private static final Set<String> NOT_KEYS = Set.of("PARLEY_CONFIG", "PARLEY_LOG_LEVEL");
  /** Where the nginx image reads its main config. */
  private static final String IMAGE_NGINX_CONF = "/etc/nginx/nginx.conf";
  /** What a stand-in instance sends first on xhr_streaming, before it keeps the response open. */
  private static final String STREAM_START = "stream-start";
  /** An attachment upload; nginx matches it with a regex location, so the test needs an example path. */
  private static final String UPLOAD = "/api/conversations/c1/attachments";
  /** An attachment download that a stand-in instance streams, as on xhr_streaming. */
  private static final String DOWNLOAD = "/api/attachments/a1";
  /** The request body nginx lets through to uploads (a file of attachments.max_file_bytes and its framing), and elsewhere. */
  private static final long UPLOAD_MAX_BYTES = 110L << 20;
  private static final long BODY_MAX_BYTES = 128L << 10;

  private static Map<String, Object> services;
  private static final Map<String, String> parleyEnv = new TreeMap<>();
  private static JsonObject defaults;

  @TempDir
  Path tmp;

  @BeforeAll
  static void load() throws IOException {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    services = asMap(asMap(new Yaml(new SafeConstructor(options)).load(read("docker-compose.yml"))).get("services"));
    asMap(service("parley").get("environment")).forEach((name, value) -> parleyEnv.put(name, String.valueOf(value)));
    defaults = new JsonObject(read("conf/config.json"));
  }

  // ---------------------------------------------------------------- docker-compose.yml

  /** Guards: a three-member replica set, initiated (idempotently) by one one-shot service between healthy mongods and parley. */
  @Test
  void replicaSetIsInitiatedOnceBeforeParleyStarts() throws Exception {
    List<String> mongos = MONGO_MEMBERS.stream().map(member -> member.split(":")[0]).toList();
    for (String mongo : mongos) {
      List<String> command = words(service(mongo).get("command"));
      assertEquals(List.of("mongod", REPLICA_SET), List.of(command.get(0), option(command, "--replSet")), mongo + ": " + command);
    }
    List<String> initiators = services.keySet().stream().filter(name -> String.join(" ", invocation(name)).contains("rs.initiate("))
      .toList();
    assertEquals(1, initiators.size(), "exactly one service must initiate the replica set: " + initiators);
    String init = initiators.get(0);
    String restart = String.valueOf(service(init).getOrDefault("restart", "no"));
    assertTrue(restart.equals("no") || restart.startsWith("on-failure"), init + " must not restart once it succeeded: " + restart);
    assertTrue(mongos.contains(option(invocation(init), "--host")), init + " must connect to a mongo service");
    mongos.forEach(mongo -> assertEquals("service_healthy", dependsOn(init).get(mongo), init + " must wait for a healthy " + mongo));
    assertEquals("service_completed_successfully", dependsOn("parley").get(init), "parley must wait for " + init);

    // The mongosh script, run by node against a stand-in rs/db: what it initiates, and that a rerun does nothing.
    String script = option(invocation(init), "--eval");
    JsonObject config = initiateCalls(script, false).getJsonObject(0);
    assertEquals(REPLICA_SET, config.getString("_id"), "rs.initiate must name the --replSet");
    assertEquals(MONGO_MEMBERS, config.getJsonArray("members").stream().map(m -> ((JsonObject) m).getString("host")).toList(),
      "rs.initiate must have every mongo service as a member");
    assertEquals(new JsonArray(), initiateCalls(script, true), init + " must not initiate an initiated replica set");
  }

  /** Guards: parley waits for a health-checked Redis, nginx for a healthy parley, and every such wait has a health check. */
  @Test
  void redisIsHealthCheckedAndEveryHealthyWaitHasAHealthCheck() throws IOException {
    assertTrue(hasHealthcheck("redis"), "redis needs a healthcheck");
    assertEquals("service_healthy", dependsOn("parley").get("redis"), "parley must wait for a healthy redis");
    assertEquals("service_healthy", dependsOn("nginx").get("parley"), "nginx must wait for a healthy parley");
    for (String name : services.keySet()) {
      for (var wait : dependsOn(name).entrySet()) {
        assertTrue(!wait.getValue().equals("service_healthy") || hasHealthcheck(wait.getKey()),
          name + " waits for " + wait.getKey() + " to be healthy, but it has no health check (compose would wait forever)");
      }
    }
  }

  /**
   * Guards: clients reach parley only through nginx, the one service that publishes a port to everyone (composeNginx:
   * the port it listens on); Grafana, for the operator, only on loopback (MonitoringFilesTest checks it).
   */
  @Test
  void onlyNginxPublishesAPort() {
    services.keySet().stream().filter(name -> !name.equals("nginx") && !name.equals(OPERATOR_UI))
      .forEach(name -> assertFalse(service(name).containsKey("ports"), "only nginx publishes ports, but " + name + " does"));
    ((List<?>) service(OPERATOR_UI).get("ports")).forEach(port ->
      assertTrue(String.valueOf(port).startsWith("127.0.0.1:"), OPERATOR_UI + " may be published on loopback only: " + port));
    assertNotNull(publishedContainerPort());
  }

  /** Guards: nginx.conf is mounted where the image reads it, and it includes parley-proxy.conf from where that is mounted. */
  @Test
  void nginxFilesAreMountedWhereNginxReadsThem() throws Exception {
    Map<String, String> mounts = mounts();
    assertEquals("nginx/nginx.conf", mounts.get(IMAGE_NGINX_CONF), "nginx/nginx.conf must be mounted at " + IMAGE_NGINX_CONF);
    NginxConf conf = composeNginx(freePort(), List.of(freePort()));
    Set<String> loaded = new TreeSet<>(matches(nginxDump(conf), "(?m)^# configuration file (.+):$"));
    assertEquals(new TreeSet<>(mounts.keySet().stream().map(target -> conf.prefix() + target).toList()), loaded,
      "nginx must load exactly the files mounted into it: " + mounts);
  }

  /** Guards: parley's PARLEY_* variables name config keys, secrets come from the host, and Parley accepts the cluster config. */
  @Test
  void parleyEnvironmentNamesConfigKeysAndIsAValidClusterConfig() {
    Set<String> keys = ConfigLoader.environmentNames(defaults);
    parleyEnv.keySet().stream().filter(name -> name.startsWith("PARLEY_") && !NOT_KEYS.contains(name)).forEach(name ->
      assertTrue(keys.contains(name), name + " in parley's environment names no key of conf/config.json; known: " + keys));
    services.keySet().forEach(name -> asMap(service(name).getOrDefault("environment", Map.of())).forEach((variable, value) ->
      assertTrue(!variable.matches("(?i).*(SECRET|PASSWORD|TOKEN).*") || String.valueOf(value).matches("\\$\\{\\w+(:?\\?[^}]*)?}"),
        name + "'s " + variable + " must come from the host as ${VAR} or ${VAR:?message}, without a default: " + value)));
    assertTrue(parleyEnv.getOrDefault(JWT_SECRET, "").startsWith("${" + JWT_SECRET + ":?"),
      "every node must get the same JWT secret, required from the host: ${" + JWT_SECRET + ":?message}");

    ParleyConfig config = parleyConfig();
    assertTrue(config.clustered(), "parley must run clustered");
    ConnectionString mongo = new ConnectionString(config.mongoConnectionString());
    assertEquals(MONGO_MEMBERS, mongo.getHosts(), "the Mongo connection string must list every member");
    assertEquals(REPLICA_SET, mongo.getRequiredReplicaSetName(), "the Mongo connection string must name the replica set");
    assertEquals("redis", URI.create(config.redisConnectionString()).getHost(), "nodes fan out through the redis service");
  }

  // ---------------------------------------------------------------- Dockerfile

  /** Guards: two stages; the runtime runs the jar built in the first, as a non-root user, as PID 1, health-checked. */
  @Test
  void dockerfileBuildsTheJarInOneStageAndRunsItAsNonRootInAnother() throws Exception {
    assertEquals(".", service("parley").get("build"), "compose builds parley from this Dockerfile");
    List<List<String>> stages = dockerfileStages();
    assertTrue(stages.size() >= 2, "the Dockerfile needs a build stage and a runtime stage");
    List<String> from = words(stages.get(0).get(0));
    assertTrue(from.size() == 4 && from.get(2).equalsIgnoreCase("AS"), "the build stage needs a name: " + from);
    List<String> runtime = stages.get(stages.size() - 1);
    List<String> copy = words(instruction(runtime, "COPY --from=" + from.get(3) + " "));
    assertTrue(copy.get(2).endsWith(".jar"), "the runtime copies the jar from the build stage: " + copy);

    String user = words(instruction(runtime, "USER")).get(1).split(":")[0];
    assertFalse(user.equals("root") || user.equals("0"), "the runtime must not run as root");
    assertTrue(runtime.stream().anyMatch(line -> line.matches("RUN (useradd|adduser) .*\\b" + user)), "the runtime must create " + user);
    String exec = instruction(runtime, "ENTRYPOINT").substring("ENTRYPOINT".length()).strip();
    assertTrue(exec.startsWith("["), "ENTRYPOINT must be in exec form, so java is PID 1 and gets docker stop's SIGTERM: " + exec);
    List<String> entrypoint = words(new JsonArray(exec).getList());
    assertEquals(List.of("java", copy.get(3)), List.of(entrypoint.get(0), entrypoint.get(entrypoint.indexOf("-jar") + 1)),
      "ENTRYPOINT must be [\"java\", ..., \"-jar\", the copied jar]: " + entrypoint);
    String port = String.valueOf(parleyConfig().httpPort());
    assertTrue(words(instruction(runtime, "EXPOSE")).contains(port), "the runtime must EXPOSE http.port " + port);
    String healthcheck = instruction(runtime, "HEALTHCHECK");
    assertTrue(healthcheck.contains("/health") && healthcheck.contains(port), "HEALTHCHECK must probe /health on " + port);
  }

  // ---------------------------------------------------------------- nginx

  /** The two nginx configurations Parley ships: docker-compose's and the one scripts/cluster.sh runs. */
  enum Deployment { COMPOSE, CLUSTER_SH }

  /** Guards: nginx -t accepts each configuration (compose's with the stand-ins composeNginx describes). */
  @ParameterizedTest
  @EnumSource(Deployment.class)
  void nginxAcceptsTheConfig(Deployment deployment) throws Exception {
    assertTrue(nginxDump(nginxConf(deployment, freePort(), List.of(freePort()))).contains("test is successful"));
  }

  /**
   * Guards what Debian's nginx 1.22 cannot check: compose's nginx 1.28 re-resolves `parley` in Docker's DNS as replicas
   * come and go. As the test always did, composeNginx requires `server parley:PORT resolve` and replaces it; the resolver
   * and one zone per upstream (1.27.3+ refuses `resolve` without) are read from nginx -T.
   */
  @Test
  void composeNginxReResolvesTheParleyReplicas() throws Exception {
    String dump = nginxDump(composeNginx(freePort(), List.of(freePort())));
    assertFalse(matches(dump, "(?m)^\\s*(resolver)\\s").isEmpty(), "nginx.conf needs Docker's resolver");
    assertEquals(matches(dump, "(?m)^\\s*(upstream)\\s").size(), matches(dump, "(?m)^\\s*(zone)\\s").size(),
      "every upstream needs a zone for `resolve`");
  }

  /** Guards: cluster.sh's nginx listens on its loopback port only. */
  @Test
  void clusterShNginxListensOnLoopbackOnly() throws Exception {
    int port = freePort();
    assertEquals(List.of("127.0.0.1:" + port), listens(nginxDump(clusterShNginx(port, List.of(freePort())))), "cluster.sh's nginx listens on");
  }

  /** Guards: SockJS's WebSocket transport; HTTP/1.1, Upgrade and Connection: upgrade reach the instance (the latter only when asked). */
  @ParameterizedTest
  @EnumSource(Deployment.class)
  void webSocketUpgradeReachesParley(Deployment deployment) throws Exception {
    try (Proxy proxy = new Proxy(deployment)) {
      Map<String, String> ws = proxy.get("/eventbus/123/abcdef/websocket", "Upgrade: websocket");
      assertTrue(ws.get("request").endsWith(" HTTP/1.1"), "WebSocket proxying needs HTTP/1.1: " + ws);
      assertEquals("websocket", ws.get("upgrade"), "/eventbus/ must pass the Upgrade header on: " + ws);
      assertEquals("upgrade", ws.get("connection"), "/eventbus/ must ask the instance for the upgrade: " + ws);
      assertEquals("close", proxy.get("/eventbus/info").get("connection"), "a request without Upgrade must not upgrade");
    }
  }

  /** Guards: every location (as nginx -T lists them) forwards Host and the client's address and scheme. */
  @ParameterizedTest
  @EnumSource(Deployment.class)
  void everyLocationForwardsHostAndClientAddress(Deployment deployment) throws Exception {
    try (Proxy proxy = new Proxy(deployment)) {
      List<String> locations = matches(nginxDump(proxy.conf), "(?m)^\\s*location\\s+([^{]*?)\\s*\\{");
      assertFalse(locations.isEmpty(), "no location in " + proxy.conf.conf());
      for (String location : locations) {
        String path = location.startsWith("~") ? Stream.of(UPLOAD).filter(p -> p.matches(location.replaceFirst("^~\\*?\\s+", "")))
          .findFirst().orElse(null) : location;
        assertTrue(path != null && path.startsWith("/"), "add a request path for location " + location + " to this test");
        Map<String, String> answer = proxy.get(path);
        String where = "location " + location + " sends " + answer + " (a location with its own proxy_set_header lines"
          + " inherits none from the server, so it must repeat Host and X-Forwarded-*)";
        assertEquals("parley.test", answer.get("host"), where);
        assertEquals("127.0.0.1", answer.get("x-forwarded-for"), where);
        assertEquals("http", answer.get("x-forwarded-proto"), where);
      }
    }
  }

  /** Guards: /eventbus/ is unbuffered, so xhr-streaming and eventsource data reach the client while the instance streams. */
  @ParameterizedTest
  @EnumSource(Deployment.class)
  void eventbusStreamsUnbuffered(Deployment deployment) throws Exception {
    assertStreamsUnbuffered(deployment, "/eventbus/123/abcdef/xhr_streaming");
  }

  /** Guards: attachment downloads are unbuffered, so a large file flows to the client instead of into nginx's temp files. */
  @ParameterizedTest
  @EnumSource(Deployment.class)
  void attachmentDownloadsStreamUnbuffered(Deployment deployment) throws Exception {
    assertStreamsUnbuffered(deployment, DOWNLOAD);
  }

  private void assertStreamsUnbuffered(Deployment deployment, String path) throws Exception {
    try (Proxy proxy = new Proxy(deployment); Socket socket = proxy.send("GET", path)) {
      socket.setSoTimeout(5_000);
      StringBuilder received = new StringBuilder();
      try {
        for (int c; !received.toString().contains(STREAM_START) && (c = socket.getInputStream().read()) >= 0; ) {
          received.append((char) c);
        }
      } catch (SocketTimeoutException e) {
        // nothing more came
      }
      assertTrue(received.toString().contains(STREAM_START),
        path + " held back the data an instance is still streaming (proxy_buffering?); the client got: " + received);
    }
  }

  /**
   * Guards: an attachment upload up to its own limit (far over what other requests may send) reaches the instance while
   * the client is still sending it: nginx streams it on (proxy_request_buffering off) rather than spooling the whole file.
   * Over the limit, and over 128k anywhere else, nginx answers 413 itself.
   */
  @ParameterizedTest
  @EnumSource(Deployment.class)
  void attachmentUploadsStreamToTheInstance(Deployment deployment) throws Exception {
    try (Proxy proxy = new Proxy(deployment)) {
      try (Socket socket = proxy.send("POST", UPLOAD, "Content-Length: " + UPLOAD_MAX_BYTES)) {
        socket.getOutputStream().write(new byte[256 << 10]); // the start of the file; the rest never comes
        Map<String, String> answer;
        try {
          answer = proxy.answer(socket);
        } catch (SocketTimeoutException e) {
          throw new AssertionError("nginx holds an upload back until it is complete (proxy_request_buffering?)", e);
        }
        assertEquals("HTTP/1.1 200 OK", answer.get("status"), "an upload of up to " + UPLOAD_MAX_BYTES
          + " bytes must reach an instance while it is still being sent (client_max_body_size, proxy_request_buffering off): " + answer);
        assertEquals(String.valueOf(UPLOAD_MAX_BYTES), answer.get("content-length"), "the instance must get the upload's length");
      }
      assertEquals("HTTP/1.1 413 Request Entity Too Large", proxy.status("POST", UPLOAD, UPLOAD_MAX_BYTES + 1));
      assertEquals("HTTP/1.1 413 Request Entity Too Large", proxy.status("POST", "/api/conversations/c1/messages", BODY_MAX_BYTES + 1));
    }
  }

  /** Guards: stickiness; every request of a SockJS session reaches one instance, and sessions spread over the instances. */
  @ParameterizedTest
  @EnumSource(Deployment.class)
  void sockJsSessionsStickToOneInstance(Deployment deployment) throws Exception {
    try (Proxy proxy = new Proxy(deployment)) {
      Map<String, Set<String>> served = new TreeMap<>();
      for (int session = 0; session < 20; session++) {
        for (int request = 0; request < 3; request++) {
          String path = "/eventbus/" + request + "/session-" + session + "/xhr_send";
          served.computeIfAbsent("session-" + session, s -> new TreeSet<>()).add(proxy.get(path).get("instance"));
        }
      }
      served.forEach((session, instances) -> assertEquals(1, instances.size(), session + " reached " + instances));
      assertEquals(Set.of("A", "B"), served.values().stream().flatMap(Set::stream).collect(Collectors.toSet()),
        "sessions must spread over the instances (hash on the session, not the client address)");
    }
  }

  /** Guards: retries; a request that meets a dead instance goes to the next one instead of failing. */
  @ParameterizedTest
  @EnumSource(Deployment.class)
  void aDeadInstanceIsRetriedOnTheNext(Deployment deployment) throws Exception {
    try (Proxy proxy = new Proxy(deployment)) { // the dead instance comes first, so the first requests meet it
      for (String path : List.of("/", "/", "/eventbus/info", "/eventbus/1/a/xhr_send", "/eventbus/1/b/xhr", "/eventbus/1/c/xhr")) {
        assertEquals("HTTP/1.1 200 OK", proxy.get(path).get("status"), "GET " + path + " with the first instance dead");
      }
    }
  }

  // ---------------------------------------------------------------- the nginx configurations, and nginx running them

  /** A config for nginx: the file, the prefix to run it in, and the -g globals it needs there. */
  private record NginxConf(Path conf, Path prefix, String globals) {
  }

  private NginxConf nginxConf(Deployment deployment, int listen, List<Integer> instances) throws Exception {
    return deployment == Deployment.COMPOSE ? composeNginx(listen, instances) : clusterShNginx(listen, instances);
  }

  /**
   * The compose nginx files as the container sees them, under a local root, with stand-ins (as the test always did)
   * for what only Docker has: mount targets under the root; the published container port becomes a loopback port; each
   * `server parley:PORT resolve ...` (Docker's DNS name for all replicas; `resolve` needs nginx 1.27.3+, Debian has
   * 1.22) becomes one server per stand-in instance, as nginx makes one peer per address of a name. Docker's resolver
   * stays: nginx 1.22 parses it and never asks it anything for these static upstreams.
   */
  private NginxConf composeNginx(int listen, List<Integer> instances) throws IOException {
    Path root = tmp.resolve("container");
    String main = read("nginx/nginx.conf");
    for (String target : mounts().keySet()) {
      main = main.replace(target, root + target);
    }
    String servers = instances.stream().map(port -> "$1127.0.0.1:" + port + "$2;").collect(Collectors.joining("\n")); // $1 indent
    main = main.replaceAll("(?m)^([ \\t]*server[ \\t]+)parley:" + parleyConfig().httpPort() + "[ \\t]+resolve\\b([^;]*);", servers);
    assertEquals(List.of(), matches(main, "(?m)^[ \\t]*server[ \\t]+(parley\\S*.*)"),
      "every upstream server in nginx/nginx.conf must be `server parley:<http.port> resolve ...` (re-resolved as replicas scale)");
    String port = publishedContainerPort();
    String proxy = read("nginx/parley-proxy.conf")
      .replaceAll("(?m)^([ \\t]*listen[ \\t]+)" + port + "(?=[ \\t]*;)", "$1127.0.0.1:" + listen);
    assertTrue(proxy.contains("127.0.0.1:" + listen), "parley-proxy.conf must listen on the container port compose publishes: " + port);
    Map<String, String> localized = Map.of("nginx/nginx.conf", main, "nginx/parley-proxy.conf", proxy);
    for (var mount : mounts().entrySet()) {
      Path file = root.resolve(mount.getKey().substring(1));
      Files.createDirectories(file.getParent());
      Files.writeString(file, localized.containsKey(mount.getValue()) ? localized.get(mount.getValue()) : read(mount.getValue()));
    }
    String globals = "pid " + root + "/nginx.pid; error_log " + root + "/error.log;"; // the image's defaults are outside root
    return new NginxConf(root.resolve(IMAGE_NGINX_CONF.substring(1)), root, globals);
  }

  /** The config scripts/cluster.sh writes and runs, by its own code path: cluster.sh nginx-conf PORT HTTP_PORT... */
  private NginxConf clusterShNginx(int listen, List<Integer> instances) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", "scripts/cluster.sh", "nginx-conf", String.valueOf(listen)));
    instances.forEach(port -> command.add(String.valueOf(port)));
    Result result = run(command, Map.of("PARLEY_CLUSTER_DIR", tmp.resolve("cluster").toString()));
    assertEquals(0, result.exit(), "cluster.sh nginx-conf failed: " + result.output());
    Path conf = Path.of(result.output().strip());
    return new NginxConf(conf, conf.getParent(), "");
  }

  /** nginx -T: checks the config as nginx -t does, then prints every file it loaded (after "# configuration file PATH:"). */
  private static String nginxDump(NginxConf conf) throws Exception {
    Result result = run(nginx(conf, "-T"), Map.of());
    assertEquals(0, result.exit(), "nginx rejects " + conf.conf() + ":\n" + result.output());
    return result.output();
  }

  private static List<String> nginx(NginxConf conf, String... flags) {
    String nginx = Stream.concat(Stream.of("/usr/sbin"), Stream.of(System.getenv().getOrDefault("PATH", "").split(":")))
      .map(dir -> Path.of(dir, "nginx")).filter(Files::isExecutable).findFirst().map(Path::toString)
      .orElseThrow(() -> new AssertionError("nginx is required to check the nginx configs; install it (apt-get install -y nginx)"));
    String globals = conf.globals() + " daemon off;";
    return Stream.concat(Stream.of(nginx, "-p", conf.prefix() + "/", "-c", conf.conf().toString(), "-g", globals), Stream.of(flags)).toList();
  }

  /** nginx in the foreground on a deployment's config, in front of a dead instance and two stand-in instances, A and B. */
  private final class Proxy implements AutoCloseable {
    private final CountDownLatch closing = new CountDownLatch(1);
    private final List<HttpServer> instances = List.of(instance("A"), instance("B"));
    private final int port = freePort();
    private NginxConf conf;
    private Process nginx;

    Proxy(Deployment deployment) throws Exception {
      try {
        List<Integer> upstreams = Stream.concat(Stream.of(freePort()), instances.stream().map(i -> i.getAddress().getPort())).toList();
        conf = nginxConf(deployment, port, upstreams);
        assertEquals(List.of("127.0.0.1:" + port), listens(nginxDump(conf)), "nginx may listen on its loopback port only");
        Path log = tmp.resolve("nginx.log");
        nginx = new ProcessBuilder(nginx(conf)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        for (int i = 0; !listening(port); i++) {
          assertTrue(nginx.isAlive() && i < 500, "nginx did not listen on " + port + ":\n" + Files.readString(log));
          Thread.sleep(20);
        }
      } catch (Exception | AssertionError e) {
        close(); // never leave an nginx behind
        throw e;
      }
    }

    /**
     * A stand-in Parley instance; its body: "instance: NAME", "request: REQUEST LINE", then the headers it got. On
     * xhr_streaming and on DOWNLOAD it sends the start of a longer body, the rest never. It answers before it reads
     * a request's body. (Not chunked: a buffering nginx passes chunks
     * on at once, but holds a body of known length until it is complete.)
     */
    private HttpServer instance(String name) throws IOException {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/", exchange -> {
        StringBuilder body = new StringBuilder("instance: " + name + "\nrequest: " + exchange.getRequestMethod() + " "
          + exchange.getRequestURI() + " " + exchange.getProtocol() + "\n");
        exchange.getRequestHeaders().forEach((header, values) ->
          body.append(header.toLowerCase(Locale.ROOT)).append(": ").append(values.get(0)).append('\n'));
        String path = exchange.getRequestURI().getPath();
        boolean streaming = path.endsWith("/xhr_streaming") || path.equals(DOWNLOAD);
        exchange.sendResponseHeaders(200, streaming ? 1 << 16 : body.length());
        try (OutputStream out = exchange.getResponseBody()) {
          out.write((streaming ? STREAM_START : body.toString()).getBytes(ISO_8859_1));
          out.flush();
          if (streaming) {
            closing.await(30, TimeUnit.SECONDS);
          }
          // An upload answered before it is complete: keep reading it, as Parley would, until nginx lets go. (Closing
          // on unread data would reset the connection, and nginx might take the reset, not the answer, as the reply.)
          exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
        } catch (IOException | InterruptedException e) {
          // a stream ends unfinished when the test is done
        }
      });
      server.start();
      return server;
    }

    /** A request's head sent to nginx (a body, if any, is the caller's to send). */
    Socket send(String method, String path, String... headers) throws IOException {
      Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout(10_000);
      String extra = Stream.of(headers).map(header -> header + "\r\n").collect(Collectors.joining());
      String request = method + " " + path + " HTTP/1.1\r\nHost: parley.test\r\nConnection: close\r\n" + extra + "\r\n";
      socket.getOutputStream().write(request.getBytes(ISO_8859_1));
      return socket;
    }

    /** A GET through nginx that an instance answers: nginx's "status" line, and the "name: value" lines of the instance's body. */
    Map<String, String> get(String path, String... headers) throws IOException {
      try (Socket socket = send("GET", path, headers)) {
        Map<String, String> answer = answer(socket);
        assertTrue(answer.containsKey("instance"), "GET " + path + " reached no instance: " + answer.get("status"));
        return answer;
      }
    }

    /** The status line of nginx's answer to a request head that announces a body of {@code length} bytes (none sent). */
    String status(String method, String path, long length) throws IOException {
      try (Socket socket = send(method, path, "Content-Length: " + length)) {
        return answer(socket).get("status");
      }
    }

    /**
     * The response on a socket, read as far as its Content-Length (not to the end: nginx may linger over a request body
     * it did not read): the "status" line, and the "name: value" lines of an instance's body.
     */
    Map<String, String> answer(Socket socket) throws IOException {
      InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      for (int c; !head.toString().endsWith("\r\n\r\n") && (c = in.read()) >= 0; ) {
        head.append((char) c);
      }
      int length = head.toString().lines().map(line -> line.split(":\\s*", 2))
        .filter(pair -> pair.length == 2 && pair[0].equalsIgnoreCase("Content-Length")).map(pair -> Integer.parseInt(pair[1].strip()))
        .findFirst().orElse(-1);
      String body = new String(length >= 0 ? in.readNBytes(length) : in.readAllBytes(), ISO_8859_1);
      Map<String, String> answer = new TreeMap<>(Map.of("status", head.toString().lines().findFirst().orElse("")));
      body.lines().map(line -> line.split(": ", 2)).filter(pair -> pair.length == 2).forEach(pair -> answer.put(pair[0], pair[1]));
      return answer;
    }

    @Override
    public void close() throws InterruptedException {
      if (nginx != null) {
        nginx.destroy(); // SIGTERM: the master stops its workers
        if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
          nginx.destroyForcibly();
        }
      }
      closing.countDown();
      instances.forEach(instance -> instance.stop(0));
    }
  }

  private static boolean listening(int port) {
    try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  // ---------------------------------------------------------------- helpers

  /** The config a compose parley node runs with, by Parley's own loader (stand-ins for the required JWT secret and ops token). */
  private static ParleyConfig parleyConfig() {
    Map<String, String> environment = new HashMap<>(parleyEnv);
    environment.put(JWT_SECRET, "s".repeat(48));
    environment.put(OPS_TOKEN, "t".repeat(24));
    try {
      return ConfigLoader.resolve(defaults, environment);
    } catch (ConfigException e) {
      throw new AssertionError("Parley rejects the parley service's environment: " + e.getMessage(), e);
    }
  }

  /** The configs a mongosh script passes to rs.initiate, run by node against a stand-in replica set. */
  private static JsonArray initiateCalls(String script, boolean initiated) throws Exception {
    String harness = "const calls = []; let initiated = process.env.INITIATED === 'true';"
      + "globalThis.rs = { initiate(config) { calls.push(config); initiated = true; return { ok: 1 }; },"
      + "  status() { if (!initiated) throw new Error('no replset config'); return { ok: 1, members: [{ stateStr: 'PRIMARY' }] }; } };"
      + "globalThis.db = { hello: () => ({ isWritablePrimary: initiated }) }; globalThis.sleep = () => {};"
      + "(0, eval)(process.env.SCRIPT); console.log(JSON.stringify(calls));";
    Result result = run(List.of("node", "-e", harness), Map.of("SCRIPT", script, "INITIATED", String.valueOf(initiated)));
    assertEquals(0, result.exit(), "node could not run the mongosh script: " + result.output());
    return new JsonArray(result.output().strip());
  }

  /** The Dockerfile's instructions by stage: continuation lines joined, comments dropped, a new stage at each FROM. */
  private static List<List<String>> dockerfileStages() throws IOException {
    List<List<String>> stages = new ArrayList<>();
    for (String line : read("Dockerfile").replace("\\\n", " ").lines().map(String::strip).filter(line -> !line.startsWith("#")).toList()) {
      if (line.startsWith("FROM ")) {
        stages.add(new ArrayList<>());
      }
      if (!line.isEmpty()) {
        stages.get(stages.size() - 1).add(line);
      }
    }
    return stages;
  }

  /** The last instruction of a stage that starts with {@code start}. */
  private static String instruction(List<String> stage, String start) {
    return stage.stream().filter(line -> line.startsWith(start)).reduce((first, second) -> second)
      .orElseThrow(() -> new AssertionError("the Dockerfile stage " + stage.get(0) + " has no " + start.strip()));
  }

  private static Map<String, Object> service(String name) {
    assertTrue(services.containsKey(name), "docker-compose.yml has no service " + name);
    return asMap(services.get(name));
  }

  /** A service's entrypoint and command, as one word list. */
  private static List<String> invocation(String name) {
    return Stream.concat(words(service(name).get("entrypoint")).stream(), words(service(name).get("command")).stream()).toList();
  }

  /** depends_on, long form: service name to condition. */
  private static Map<String, String> dependsOn(String name) {
    Map<String, String> conditions = new HashMap<>();
    asMap(service(name).getOrDefault("depends_on", Map.of())).forEach((dependency, spec) -> {
      assertTrue(services.containsKey(dependency), name + " depends on a missing service " + dependency);
      conditions.put(dependency, String.valueOf(asMap(spec).get("condition")));
    });
    return conditions;
  }

  /** A compose healthcheck, or for a service built here, the Dockerfile's HEALTHCHECK. */
  private static boolean hasHealthcheck(String name) throws IOException {
    if (service(name).get("healthcheck") instanceof Map<?, ?> check) {
      return !words(check.get("test")).isEmpty() && !words(check.get("test")).get(0).equals("NONE");
    }
    List<List<String>> stages = dockerfileStages();
    return service(name).containsKey("build") && stages.get(stages.size() - 1).stream()
      .anyMatch(line -> line.startsWith("HEALTHCHECK ") && !line.equals("HEALTHCHECK NONE"));
  }

  /** The container side of nginx's one published port ("8080:80", "127.0.0.1:8080:80/tcp", or the long form). */
  private static String publishedContainerPort() {
    List<?> ports = (List<?>) service("nginx").get("ports");
    assertTrue(ports != null && ports.size() == 1, "nginx must publish exactly one port: " + ports);
    String[] parts = String.valueOf(ports.get(0) instanceof Map<?, ?> map ? map.get("target") : ports.get(0)).split("/")[0].split(":");
    return parts[parts.length - 1];
  }

  /** nginx's bind mounts, container path to project file ("./nginx/x:/etc/nginx/x:ro" or the long form). */
  private static Map<String, String> mounts() {
    Map<String, String> mounts = new TreeMap<>();
    for (Object volume : (List<?>) service("nginx").getOrDefault("volumes", List.of())) {
      String[] parts = volume instanceof Map<?, ?> map ? new String[] {"" + map.get("source"), "" + map.get("target")}
        : ("" + volume).split(":");
      mounts.put(parts[1], ROOT.relativize(ROOT.resolve(parts[0]).normalize()).toString());
    }
    return mounts;
  }

  /** A command as its words: a YAML list, or a string split on whitespace. */
  private static List<String> words(Object value) {
    if (value instanceof List<?> list) {
      return list.stream().map(String::valueOf).toList();
    }
    return value == null ? List.of() : List.of(value.toString().strip().split("\\s+"));
  }

  /** The word after {@code name}, e.g. {@code --replSet rs0}. */
  private static String option(List<String> words, String name) {
    int at = words.indexOf(name);
    return at >= 0 && at + 1 < words.size() ? words.get(at + 1) : null;
  }

  /** The addresses of the listen directives in an nginx -T dump. */
  private static List<String> listens(String dump) {
    return matches(dump, "(?m)^\\s*listen\\s+([^;\\s]+)");
  }

  /** Group 1 of every match. */
  private static List<String> matches(String text, String regex) {
    return Pattern.compile(regex).matcher(text).results().map(m -> m.group(1)).toList();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value) {
    assertInstanceOf(Map.class, value, "expected a mapping in docker-compose.yml: " + value);
    return (Map<String, Object>) value;
  }

  private record Result(int exit, String output) {
  }

  private static Result run(List<String> command, Map<String, String> environment) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process = builder.start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), ISO_8859_1);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), command.get(0) + " did not finish");
    return new Result(process.exitValue(), output);
  }

  private static String read(String file) throws IOException {
    return Files.readString(ROOT.resolve(file));
  }
}
