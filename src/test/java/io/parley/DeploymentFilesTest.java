package io.parley;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Keeps the deployment files (docker-compose.yml, Dockerfile, nginx/*.conf, and the nginx config
 * scripts/cluster.sh generates) valid on a machine without a Docker engine: the files are parsed and
 * cross-checked against each other and against the application (config keys, the config validator,
 * the jar name in pom.xml), and both nginx configurations are checked by the real nginx binary
 * ({@code nginx -t}).
 */
class DeploymentFilesTest {

  private static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath();
  private static final List<String> MONGO_SERVICES = List.of("mongo1", "mongo2", "mongo3");
  private static final String REPLICA_SET = "rs0";
  private static final int MONGO_PORT = 27017;
  /** What ConfigValidator accepts for cluster.join. */
  private static final Set<String> JOIN_METHODS = Set.of("tcp", "multicast", "kubernetes");
  /** PARLEY_ variables EnvOverrides reads that are not config keys (EnvOverrides.NOT_SETTINGS). */
  private static final Set<String> NON_KEY_VARIABLES = Set.of("PARLEY_CONFIG", "PARLEY_LOG_LEVEL");
  private static final String JWT_SECRET_VARIABLE = "PARLEY_AUTH_JWT_SECRET";
  /** Where the official nginx image reads its main config. */
  private static final String IMAGE_NGINX_CONF = "/etc/nginx/nginx.conf";
  /** Compose variable interpolation: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?err}, ${NAME?err}, ... */
  private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?}");

  private static Map<String, Object> services;
  private static Map<String, Object> parley;
  private static Map<String, String> parleyEnv;
  private static JsonObject defaults;
  private static List<Stage> stages;
  private static String composeNginxText;
  private static List<Directive> composeNginx;
  private static String proxyText;
  private static List<Directive> proxy;

  @TempDir
  Path tmp;

  @BeforeAll
  static void load() throws IOException {
    assertTrue(Files.isRegularFile(ROOT.resolve("pom.xml")) && Files.isRegularFile(ROOT.resolve("docker-compose.yml")),
      "the test must run in the project directory, not " + ROOT);
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    Map<String, Object> compose = asMap(new Yaml(new SafeConstructor(options)).load(read("docker-compose.yml")), "docker-compose.yml");
    services = asMap(compose.get("services"), "docker-compose.yml services");
    parley = service("parley");
    parleyEnv = environment(parley);
    defaults = new JsonObject(read("conf/config.json"));
    stages = parseDockerfile(read("Dockerfile"));
    composeNginxText = read("nginx/nginx.conf");
    composeNginx = parseNginx(composeNginxText, "nginx/nginx.conf");
    proxyText = read("nginx/parley-proxy.conf");
    proxy = parseNginx(proxyText, "nginx/parley-proxy.conf");
  }

  // ---------------------------------------------------------------- docker-compose.yml

  @Test
  void composeRunsAThreeMemberReplicaSetInitiatedOnceBeforeParleyStarts() {
    for (String name : MONGO_SERVICES) {
      List<String> command = words(service(name).get("command"));
      assertTrue(!command.isEmpty() && command.get(0).equals("mongod"), name + " must run mongod, command: " + command);
      assertEquals(REPLICA_SET, option(command, "--replSet"), name + " must run mongod --replSet " + REPLICA_SET + ": " + command);
    }

    List<String> initServices = services.keySet().stream().filter(name -> script(service(name)).contains("rs.initiate(")).toList();
    assertEquals(1, initServices.size(), "exactly one service must initiate the replica set (rs.initiate), found " + initServices);
    String initName = initServices.get(0);
    Map<String, Object> init = service(initName);
    String restart = init.get("restart") == null ? "no" : String.valueOf(init.get("restart"));
    assertTrue(restart.equals("no") || restart.startsWith("on-failure"),
      initName + " is one-shot: it must not be restarted after it exits successfully, restart: " + restart);
    List<String> initWords = new ArrayList<>(words(init.get("entrypoint")));
    initWords.addAll(words(init.get("command")));
    assertTrue(MONGO_SERVICES.contains(option(initWords, "--host")), initName + " must connect to one of " + MONGO_SERVICES + ": " + initWords);
    Map<String, String> initDeps = dependsOn(init);
    for (String mongo : MONGO_SERVICES) {
      assertEquals("service_healthy", initDeps.get(mongo), initName + " must wait for " + mongo + " to be healthy");
    }

    String config = callArgument(script(init), "rs.initiate(");
    int members = config.indexOf("members");
    assertTrue(members > 0, "rs.initiate must list the members: " + config);
    Matcher id = Pattern.compile("_id\\s*:\\s*['\"]([^'\"]+)['\"]").matcher(config.substring(0, members));
    assertTrue(id.find(), "rs.initiate must name the replica set (_id): " + config);
    assertEquals(REPLICA_SET, id.group(1), "rs.initiate _id must be the --replSet name");
    List<String> hosts = new ArrayList<>();
    Matcher host = Pattern.compile("host\\s*:\\s*['\"]([^'\"]+)['\"]").matcher(config.substring(members));
    while (host.find()) {
      hosts.add(host.group(1));
    }
    assertEquals(MONGO_SERVICES.stream().map(s -> s + ":" + MONGO_PORT).collect(Collectors.toSet()), new LinkedHashSet<>(hosts),
      "rs.initiate must have every mongo service as a member (by its compose service name)");
    assertEquals(3, hosts.size(), "rs.initiate members: " + hosts);

    assertEquals("service_completed_successfully", dependsOn(parley).get(initName),
      "parley must wait until " + initName + " has initiated the replica set");
  }

  @Test
  void composeRunsRedisWithAHealthcheckAndWiresParleyToTheSharedServices() {
    Map<String, Object> redis = service("redis");
    assertTrue(String.valueOf(redis.get("image")).startsWith("redis"), "redis image: " + redis.get("image"));
    assertTrue(hasComposeHealthcheck(redis), "redis needs a healthcheck (parley waits for it to be healthy)");
    assertEquals("service_healthy", dependsOn(parley).get("redis"), "parley must wait for redis to be healthy");

    String redisUrl = parleyEnv.get("PARLEY_REDIS_CONNECTION_STRING");
    assertNotNull(redisUrl, "parley must get PARLEY_REDIS_CONNECTION_STRING (cluster nodes fan out through Redis)");
    Matcher url = Pattern.compile("redis://([^:/@]+)(?::(\\d+))?/?").matcher(redisUrl);
    assertTrue(url.matches(), "redis connection string: " + redisUrl);
    assertEquals("redis", url.group(1), "the redis connection string must name the redis service");

    // Every `condition: service_healthy` must have a health check to wait for, or compose waits forever.
    services.forEach((name, value) -> dependsOn(asMap(value, name)).forEach((target, condition) -> {
      assertTrue(services.containsKey(target), name + " depends on a missing service " + target);
      if (condition.equals("service_healthy")) {
        Map<String, Object> dependency = service(target);
        assertTrue(hasComposeHealthcheck(dependency) || (dependency.containsKey("build") && dockerfileHealthcheck() != null),
          name + " waits for " + target + " to be healthy, but " + target + " has no health check");
      }
    }));
  }

  @Test
  void composeBuildsParleyFromThisDirectoryAndOnlyNginxPublishesAPort() {
    assertEquals(".", parley.get("build"), "parley must be built from the Dockerfile here (build: .)");
    assertFalse(parley.containsKey("ports"), "parley must not publish ports; clients reach it through nginx");
    services.forEach((name, value) -> {
      if (!name.equals("nginx")) {
        assertFalse(asMap(value, name).containsKey("ports"), "only nginx publishes ports, but " + name + " does");
      }
    });
    Map<String, Object> nginx = service("nginx");
    assertTrue(String.valueOf(nginx.get("image")).startsWith("nginx"), "nginx image: " + nginx.get("image"));
    List<Object> ports = asList(nginx.get("ports"), "nginx ports");
    assertEquals(1, ports.size(), "nginx must publish exactly one port: " + ports);
    assertEquals(String.valueOf(listenPort(proxy)), containerPort(ports.get(0)),
      "nginx's published port must map to the port parley-proxy.conf listens on");
    assertEquals("service_healthy", dependsOn(nginx).get("parley"), "nginx should wait for a healthy parley");
  }

  @Test
  void composeMountsBothNginxFilesWhereNginxReadsThem() {
    Map<String, String> mounts = mounts(service("nginx"));
    assertEquals("nginx/nginx.conf", relative(mounts.get(IMAGE_NGINX_CONF)),
      "nginx/nginx.conf must be mounted at " + IMAGE_NGINX_CONF + ", mounts: " + mounts);
    String include = proxyInclude(composeNginx, "nginx/nginx.conf");
    assertEquals("nginx/parley-proxy.conf", relative(mounts.get(include)),
      "nginx/parley-proxy.conf must be mounted where nginx.conf includes it (" + include + "), mounts: " + mounts);
    for (String source : mounts.values()) {
      if (source.startsWith(".")) {
        assertTrue(Files.exists(ROOT.resolve(source).normalize()), "mounted file missing: " + source);
      }
    }
  }

  @Test
  void parleyEnvironmentNamesRealConfigKeysAndIsAValidClusterConfig() {
    Set<String> keys = environmentNames(defaults, "PARLEY");
    for (String variable : parleyEnv.keySet()) {
      if (variable.startsWith("PARLEY_") && !NON_KEY_VARIABLES.contains(variable)) {
        assertTrue(keys.contains(variable), variable + " in parley's environment names no key of conf/config.json; known: " + keys);
      }
    }

    MongoUri mongo = MongoUri.parse(parleyEnv.get("PARLEY_MONGO_CONNECTION_STRING"));
    assertEquals(MONGO_SERVICES.stream().map(s -> s + ":" + MONGO_PORT).toList(), mongo.hosts(),
      "the Mongo connection string must list every replica set member");
    assertEquals(REPLICA_SET, mongo.options().get("replicaSet"), "the Mongo connection string must name the replica set");

    assertEquals("true", String.valueOf(parleyEnv.get("PARLEY_CLUSTER_ENABLED")).toLowerCase(Locale.ROOT), "parley must run clustered");
    String join = parleyEnv.getOrDefault("PARLEY_CLUSTER_JOIN", defaults.getJsonObject("cluster").getString("join"));
    assertTrue(JOIN_METHODS.contains(join), "cluster join method " + join + " is not one ConfigValidator accepts: " + JOIN_METHODS);

    String secret = parleyEnv.get(JWT_SECRET_VARIABLE);
    assertNotNull(secret, "every node must share the JWT secret: set " + JWT_SECRET_VARIABLE);
    Matcher interpolation = INTERPOLATION.matcher(secret);
    assertTrue(interpolation.matches() && interpolation.group(2) != null && interpolation.group(2).endsWith("?"),
      JWT_SECRET_VARIABLE + " must come from the environment as ${VAR:?message} (required, no default), not: " + secret);
    // No literal secret anywhere else either.
    services.forEach((name, value) -> environment(asMap(value, name)).forEach((variable, text) -> {
      if (variable.matches("(?i).*(SECRET|PASSWORD|TOKEN).*") && text != null) {
        Matcher m = INTERPOLATION.matcher(text);
        assertTrue(m.matches() && (m.group(2) == null || !m.group(2).endsWith("-")),
          name + "'s " + variable + " must come from the environment without a literal default");
      }
    }));

    // What Parley itself makes of this environment: the real EnvOverrides and ConfigValidator.
    JsonObject config = effectiveConfig();
    JsonObject cluster = config.getJsonObject("cluster");
    assertEquals(Boolean.TRUE, cluster.getBoolean("enabled"));
    assertTrue(JOIN_METHODS.contains(cluster.getString("join")));
    assertEquals(mongo.text(), config.getJsonObject("mongo").getString("connection_string"));
  }

  // ---------------------------------------------------------------- Dockerfile

  @Test
  void dockerfileBuildsTheJarInOneStageAndRunsItAsNonRootInAnother() throws Exception {
    assertTrue(stages.size() >= 2, "the Dockerfile needs a build stage and a runtime stage, has " + stages.size());
    Stage runtime = stages.get(stages.size() - 1);

    List<Copy> jarCopies = runtime.copies().stream().filter(c -> c.flags().containsKey("from") && c.sources().size() == 1
      && c.sources().get(0).endsWith(".jar")).toList();
    assertEquals(1, jarCopies.size(), "the runtime stage must COPY --from the build stage exactly one jar: " + jarCopies);
    Copy jarCopy = jarCopies.get(0);
    Stage build = stages.stream().filter(s -> jarCopy.flags().get("from").equals(s.name())).findFirst()
      .orElseThrow(() -> new AssertionError("COPY --from=" + jarCopy.flags().get("from") + " names no stage of the Dockerfile"));
    assertNotEquals(runtime, build);

    int packageAt = build.indexOf(i -> i.keyword().equals("RUN") && i.words().contains("mvn") && i.words().contains("package"));
    assertTrue(packageAt >= 0, "the build stage must run mvn ... package");
    Pom pom = pom();
    String jar = "target/" + pom.finalName() + ".jar";
    assertEquals(Path.of(build.workdirBefore(packageAt)).resolve(jar).normalize().toString(),
      Path.of(jarCopy.sources().get(0)).normalize().toString(),
      "the runtime must copy the jar mvn package builds (" + jar + " in the build stage's WORKDIR)");

    // The build stage copies everything the Maven build reads before it runs mvn package.
    Set<String> copied = new LinkedHashSet<>();
    for (int i = 0; i < packageAt; i++) {
      Instruction instruction = build.instructions().get(i);
      if (instruction.keyword().equals("COPY") || instruction.keyword().equals("ADD")) {
        Copy copy = Copy.of(instruction);
        assertFalse(copy.flags().containsKey("from"), "the build stage copies from the build context: " + instruction);
        copy.sources().forEach(s -> copied.add(s.replaceFirst("^\\./", "").replaceFirst("/+$", "")));
      }
    }
    Set<String> needed = new LinkedHashSet<>(List.of("pom.xml", "package.json", "package-lock.json", "conf", "webroot", "src"));
    needed.addAll(pom.inputs());
    if (!copied.contains(".")) {
      for (String input : needed) {
        assertTrue(copied.contains(input), "the build stage must COPY " + input + " (the Maven build reads it) before mvn package; copies " + copied);
      }
    }
    // pom.xml runs `npm ci` in generate-resources.
    assertTrue(build.base().contains("node") || build.instructions().stream()
        .anyMatch(i -> i.keyword().equals("RUN") && i.words().contains("npm") && i.words().contains("install")),
      "the build stage must provide npm: pom.xml runs npm ci");

    // Runtime: non-root, the HTTP port, java -jar on the copied jar (exec form, so java gets SIGTERM).
    String jarPath = jarCopy.dest().endsWith("/") ? jarCopy.dest() + Path.of(jarCopy.sources().get(0)).getFileName() : jarCopy.dest();
    int copyAt = runtime.instructions().indexOf(jarCopy.instruction());
    jarPath = Path.of(runtime.workdirBefore(copyAt)).resolve(jarPath).normalize().toString();

    Instruction user = runtime.last("USER");
    assertNotNull(user, "the runtime stage must switch to a non-root USER");
    String userName = user.args().split(":")[0].trim();
    assertFalse(userName.equals("root") || userName.equals("0"), "the runtime must not run as root: USER " + user.args());
    if (!userName.matches("\\d+")) {
      assertTrue(runtime.instructions().stream().anyMatch(i -> i.keyword().equals("RUN")
          && (i.words().contains("useradd") || i.words().contains("adduser")) && i.words().contains(userName)),
        "the runtime stage must create user " + userName);
    }

    Instruction expose = runtime.last("EXPOSE");
    assertNotNull(expose, "the runtime stage must EXPOSE the HTTP port");
    List<String> exposed = expose.words().stream().map(p -> p.replaceFirst("/tcp$", "")).toList();
    int httpPort = effectiveConfig().getJsonObject("http").getInteger("port");
    assertEquals(8080, httpPort, "compose's parley listens on http.port");
    assertTrue(exposed.contains(String.valueOf(httpPort)), "EXPOSE must include " + httpPort + ": " + exposed);

    Instruction entrypoint = runtime.last("ENTRYPOINT");
    assertNotNull(entrypoint, "the runtime stage needs an ENTRYPOINT");
    assertTrue(entrypoint.args().startsWith("["),
      "ENTRYPOINT must be in exec form so java is PID 1 and gets docker stop's SIGTERM: " + entrypoint.args());
    List<String> command = entrypoint.words();
    assertTrue(command.get(0).equals("java") || command.get(0).endsWith("/java"), "ENTRYPOINT must run java: " + command);
    int jarFlag = command.indexOf("-jar");
    assertTrue(jarFlag > 0 && jarFlag + 1 < command.size(), "ENTRYPOINT must run java -jar <jar>: " + command);
    assertEquals(jarPath, Path.of(runtime.workdirBefore(runtime.instructions().indexOf(entrypoint))).resolve(command.get(jarFlag + 1))
      .normalize().toString(), "ENTRYPOINT must run the jar copied from the build stage");

    Instruction healthcheck = dockerfileHealthcheck();
    assertNotNull(healthcheck, "the runtime stage needs a HEALTHCHECK (nginx waits for parley to be healthy)");
    assertTrue(healthcheck.args().contains("/health") && healthcheck.args().contains(String.valueOf(httpPort)),
      "the HEALTHCHECK must probe /health on port " + httpPort + ": " + healthcheck.args());
  }

  // ---------------------------------------------------------------- nginx

  @Test
  void proxyConfKeepsWebSocketUpgradeUnbufferedEventBusStickinessAndRetries() {
    Directive server = single(proxy, "server", "parley-proxy.conf");
    Directive eventbus = location(server, "/eventbus/");
    Directive root = location(server, "/");
    List<List<Directive>> http = List.of(proxy, httpBlock(composeNginx, "nginx/nginx.conf").block());

    Map<String, String> eventbusHeaders = headers(eventbus, server, http);
    assertEquals("$http_upgrade", eventbusHeaders.get("upgrade"), "/eventbus/ must pass the WebSocket Upgrade header: " + eventbusHeaders);
    String connection = eventbusHeaders.get("connection");
    assertNotNull(connection, "/eventbus/ must set the Connection header for the WebSocket upgrade: " + eventbusHeaders);
    Directive upgradeMap = proxy.stream().filter(d -> d.name().equals("map") && d.args().size() == 2
      && d.args().get(0).equals("$http_upgrade") && d.args().get(1).equals(connection)).findFirst()
      .orElseThrow(() -> new AssertionError("Connection " + connection + " must be a map of $http_upgrade"));
    assertEquals(List.of("upgrade"), arguments(upgradeMap.block(), "default"), "an Upgrade request must get Connection: upgrade");
    assertEquals(List.of("close"), arguments(upgradeMap.block(), ""), "a plain request must not get Connection: upgrade");
    assertEquals(List.of("1.1"), effective(eventbus, server, http, "proxy_http_version"), "WebSocket proxying needs HTTP/1.1");
    assertEquals(List.of("off"), effective(eventbus, server, http, "proxy_buffering"),
      "/eventbus/ must not buffer (xhr-streaming and eventsource must flow)");

    // SockJS session stickiness: /eventbus/ goes to an upstream hashed consistently on the session id.
    assertEquals(List.of("http://parley_sockjs"), arguments(eventbus.block(), "proxy_pass"));
    assertEquals(List.of("http://parley"), arguments(root.block(), "proxy_pass"));
    Directive sessionMap = proxy.stream().filter(d -> d.name().equals("map") && d.args().equals(List.of("$uri", "$sockjs_session")))
      .findFirst().orElseThrow(() -> new AssertionError("parley-proxy.conf must map $uri to $sockjs_session"));
    Directive sessionRule = sessionMap.block().stream().filter(d -> d.name().startsWith("~")).findFirst()
      .orElseThrow(() -> new AssertionError("the $sockjs_session map needs a regex for /eventbus/<server>/<session>/"));
    Matcher session = Pattern.compile(sessionRule.name().substring(1)).matcher("/eventbus/123/abcdef/xhr_streaming");
    assertTrue(session.find(), "the session regex must match SockJS session URLs");
    String captured = sessionRule.args().get(0);
    assertTrue(captured.matches("\\$[A-Za-z]\\w*"), "the session map must yield a named capture: " + captured);
    assertEquals("abcdef", session.group(captured.substring(1)), "the session map must yield the session id");
    assertFalse(session.reset("/eventbus/info").find(), "requests without a session must not match the session regex");
    assertEquals(List.of("$sockjs_session", "consistent"), arguments(upstream(composeNginx, "parley_sockjs").block(), "hash"),
      "compose's parley_sockjs upstream must hash consistently on the SockJS session");

    for (Directive location : List.of(eventbus, root)) {
      List<String> retry = effective(location, server, http, "proxy_next_upstream");
      assertTrue(retry.contains("error") && retry.contains("timeout"),
        "location " + location.args() + " must retry the next instance on error and timeout: " + retry);
    }
  }

  /**
   * proxy_set_header is inherited from the server level only by locations that set no proxy_set_header
   * of their own; both locations set some, so the server-level Host and X-Forwarded-* must be repeated.
   */
  @Test
  void proxyConfForwardsHostAndClientAddressFromEveryLocation() {
    Directive server = single(proxy, "server", "parley-proxy.conf");
    List<List<Directive>> http = List.of(proxy, httpBlock(composeNginx, "nginx/nginx.conf").block());
    for (Directive location : server.block().stream().filter(d -> d.name().equals("location")).toList()) {
      Map<String, String> headers = headers(location, server, http);
      String problem = "parley-proxy.conf location " + location.args() + " sends only " + headers
        + " upstream: its own proxy_set_header lines replace the server-level ones, so Host and X-Forwarded-*"
        + " must be repeated in the location (nginx inherits proxy_set_header only into levels that set none)";
      assertEquals("$host", headers.get("host"), problem);
      assertEquals("$proxy_add_x_forwarded_for", headers.get("x-forwarded-for"), problem);
      assertEquals("$scheme", headers.get("x-forwarded-proto"), problem);
    }
  }

  @Test
  void composeNginxConfReResolvesTheParleyReplicasAndPassesNginxT() throws Exception {
    int httpPort = effectiveConfig().getJsonObject("http").getInteger("port");
    Directive http = httpBlock(composeNginx, "nginx/nginx.conf");
    assertFalse(arguments(http.block(), "resolver").isEmpty(), "compose's nginx.conf needs Docker's resolver to re-resolve parley");
    List<Directive> upstreams = http.block().stream().filter(d -> d.name().equals("upstream")).toList();
    assertEquals(Set.of("parley", "parley_sockjs"), upstreams.stream().map(u -> u.args().get(0)).collect(Collectors.toSet()));
    int servers = 0;
    for (Directive upstream : upstreams) {
      assertFalse(arguments(upstream.block(), "zone").isEmpty(), "upstream " + upstream.args() + " needs a zone to re-resolve servers");
      for (Directive server : upstream.block().stream().filter(d -> d.name().equals("server")).toList()) {
        assertEquals("parley:" + httpPort, server.args().get(0), "upstream servers are the parley service on http.port");
        assertTrue(server.args().contains("resolve"), "upstream server must re-resolve parley as replicas scale: " + server.args());
        servers++;
      }
    }

    // Local stand-ins for the Docker-only parts: no Docker DNS (resolver, resolve, the name parley) and
    // the include path inside the image. The listen port stays: nginx -t does not bind it.
    Path dir = Files.createDirectories(tmp.resolve("compose-nginx"));
    Files.createDirectories(dir.resolve("logs"));
    Path proxyCopy = dir.resolve("parley-proxy.conf");
    Files.writeString(proxyCopy, proxyText);
    String include = proxyInclude(composeNginx, "nginx/nginx.conf");

    Matcher resolver = Pattern.compile("(?m)^[ \\t]*resolver[ \\t][^;]*;[ \\t]*$\\n?").matcher(composeNginxText);
    String local = resolver.replaceAll("");
    assertNotEquals(composeNginxText, local, "the resolver line must be found to be replaced");
    Matcher server = Pattern.compile("(?m)^([ \\t]*server[ \\t]+)(\\S+)([^;{\\n]*);").matcher(local);
    StringBuilder out = new StringBuilder();
    int replaced = 0;
    while (server.find()) {
      assertEquals("parley:" + httpPort, server.group(2));
      String parameters = server.group(3).replaceAll("[ \\t]+resolve(?=[ \\t]|$)", "");
      server.appendReplacement(out, Matcher.quoteReplacement(server.group(1) + "127.0.0.1:" + httpPort + parameters + ";"));
      replaced++;
    }
    server.appendTail(out);
    assertEquals(servers, replaced, "every upstream server line must be made local");
    Matcher includeLine = Pattern.compile("(?m)^([ \\t]*include[ \\t]+)" + Pattern.quote(include) + "[ \\t]*;").matcher(out.toString());
    assertTrue(includeLine.find(), "the include of " + include + " must be found");
    local = includeLine.replaceFirst(Matcher.quoteReplacement(includeLine.group(1) + proxyCopy + ";"));
    Path conf = dir.resolve("nginx.conf");
    Files.writeString(conf, local);

    List<Directive> localParsed = parseNginx(local, conf.toString());
    assertTrue(arguments(httpBlock(localParsed, "local nginx.conf").block(), "resolver").isEmpty());
    nginxT(conf, dir, localParsed);
  }

  @Test
  void clusterShNginxConfPassesNginxT() throws Exception {
    // Run cluster.sh's own write_nginx_conf (with the helpers it uses) for two gateway instances.
    String script = read("scripts/cluster.sh");
    Path dir = Files.createDirectories(tmp.resolve("cluster"));
    int[] http = {freePort(), freePort()};
    int nginxPort = freePort();
    for (int i = 1; i <= 2; i++) {
      Files.writeString(dir.resolve("instance-" + i + ".http"), http[i - 1] + "\n");
      Files.writeString(dir.resolve("instance-" + i + ".roles"), "gateway,auth,rooms,delivery\n");
    }
    Files.writeString(dir.resolve("nginx.port"), nginxPort + "\n");
    String bash = String.join("\n",
      "set -euo pipefail",
      "dir=" + shellQuote(dir.toString()),
      shellFunction(script, "get"),
      shellFunction(script, "has_gateway"),
      shellFunction(script, "write_nginx_conf"),
      "cd " + shellQuote(ROOT.toString()),
      "write_nginx_conf 2", "");
    Result generated = run(List.of("bash", "-c", bash), dir);
    assertEquals(0, generated.exit(), "cluster.sh's write_nginx_conf failed: " + generated.output());

    Path conf = dir.resolve("nginx/nginx.conf");
    Path proxyConf = dir.resolve("nginx/parley-proxy.conf");
    List<Directive> parsed = parseNginx(Files.readString(conf), conf.toString());
    Directive httpBlock = httpBlock(parsed, "cluster.sh nginx.conf");
    List<String> expected = List.of("127.0.0.1:" + http[0], "127.0.0.1:" + http[1]);
    for (String name : List.of("parley", "parley_sockjs")) {
      List<Directive> servers = upstream(parsed, name).block().stream().filter(d -> d.name().equals("server")).toList();
      assertEquals(expected, servers.stream().map(d -> d.args().get(0)).toList(), "cluster.sh upstream " + name + " servers");
    }
    assertEquals(List.of("$sockjs_session", "consistent"), arguments(upstream(parsed, "parley_sockjs").block(), "hash"),
      "cluster.sh's parley_sockjs upstream must hash consistently on the SockJS session");
    assertEquals(List.of(proxyConf.toString()), arguments(httpBlock.block(), "include"));

    // The copy differs from parley-proxy.conf only in the listen line, now on the loopback port.
    List<String> original = proxyText.lines().toList();
    List<String> copy = Files.readString(proxyConf).lines().toList();
    assertEquals(original.size(), copy.size());
    List<Integer> changed = new ArrayList<>();
    for (int i = 0; i < original.size(); i++) {
      if (!original.get(i).equals(copy.get(i))) {
        changed.add(i);
      }
    }
    assertEquals(1, changed.size(), "cluster.sh must rewrite exactly the listen line of parley-proxy.conf, changed lines: " + changed);
    assertEquals(List.of("127.0.0.1:" + nginxPort),
      arguments(single(parseNginx(Files.readString(proxyConf), proxyConf.toString()), "server", "copy").block(), "listen"),
      "cluster.sh's nginx must listen on its loopback port only");

    nginxT(conf, dir.resolve("nginx"), parsed);
  }

  // ---------------------------------------------------------------- nginx -t

  private static Path nginxBinary() {
    List<Path> candidates = new ArrayList<>(List.of(Path.of("/usr/sbin/nginx")));
    for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        candidates.add(Path.of(entry, "nginx"));
      }
    }
    return candidates.stream().filter(Files::isExecutable).findFirst().orElseThrow(() -> new AssertionError(
      "the nginx binary is required to check the nginx configs (nginx -t) but was not found in /usr/sbin or PATH;"
        + " install it (Debian: apt-get install -y nginx)"));
  }

  /** Runs {@code nginx -t} on the config with its own prefix, pid and error log so nothing outside is touched. */
  private static void nginxT(Path conf, Path prefix, List<Directive> parsed) throws Exception {
    Path nginx = nginxBinary();
    Files.createDirectories(prefix.resolve("logs"));
    List<String> globals = new ArrayList<>();
    if (parsed.stream().noneMatch(d -> d.name().equals("pid"))) {
      globals.add("pid " + prefix.resolve("nginx.pid") + ";");
    }
    if (parsed.stream().noneMatch(d -> d.name().equals("error_log"))) {
      globals.add("error_log " + prefix.resolve("logs/error.log") + ";");
    }
    List<String> command = new ArrayList<>(List.of(nginx.toString(), "-t", "-c", conf.toString(), "-p", prefix + "/"));
    if (!globals.isEmpty()) {
      command.add("-g");
      command.add(String.join(" ", globals));
    }
    Result result = run(command, prefix);
    assertEquals(0, result.exit(), "nginx -t rejects " + conf + ":\n" + result.output() + "\n--- config:\n" + Files.readString(conf));
    assertTrue(result.output().contains("test is successful"), result.output());
  }

  private record Result(int exit, String output) {
  }

  private static Result run(List<String> command, Path dir) throws Exception {
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    process.getOutputStream().close();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail(command.get(0) + " did not finish within 60 s");
    }
    return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String shellQuote(String text) {
    return "'" + text.replace("'", "'\"'\"'") + "'";
  }

  /**
   * A function definition of a bash script: a one-liner {@code name() { ...; }} or the lines up to the
   * lone {@code }} that closes it (lines of here-documents skipped).
   */
  private static String shellFunction(String script, String name) {
    Pattern heredoc = Pattern.compile("<<(-?)\\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\\2");
    List<String> lines = script.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(name + "() {")) {
        if (!lines.get(i).stripTrailing().endsWith("{")) {
          return lines.get(i);
        }
        StringBuilder body = new StringBuilder();
        String terminator = null;
        boolean tabs = false;
        for (int j = i; j < lines.size(); j++) {
          String line = lines.get(j);
          body.append(line).append('\n');
          if (terminator != null) {
            if ((tabs ? line.replaceFirst("^\t+", "") : line).equals(terminator)) {
              terminator = null;
            }
            continue;
          }
          if (line.equals("}")) {
            return body.toString();
          }
          Matcher m = heredoc.matcher(line);
          if (m.find()) {
            tabs = !m.group(1).isEmpty();
            terminator = m.group(3);
          }
        }
      }
    }
    return fail("scripts/cluster.sh has no complete function " + name);
  }

  // ---------------------------------------------------------------- the app's view

  /** The config a compose parley node ends up with, by Parley's own EnvOverrides and ConfigValidator. */
  private static JsonObject effectiveConfig() {
    JsonObject merged = defaults.copy();
    parleyEnv.forEach((name, value) -> {
      if (value != null) {
        merged.put(name, interpolate(name, value));
      }
    });
    try {
      Method apply = Class.forName("io.parley.config.EnvOverrides").getDeclaredMethod("apply", JsonObject.class);
      apply.setAccessible(true);
      Method validate = Class.forName("io.parley.config.ConfigValidator").getDeclaredMethod("validate", JsonObject.class);
      validate.setAccessible(true);
      return (JsonObject) validate.invoke(null, apply.invoke(null, merged));
    } catch (InvocationTargetException e) {
      throw new AssertionError("Parley rejects the parley service's environment: " + e.getCause().getMessage(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("cannot reach Parley's config loader", e);
    }
  }

  /** Substitutes compose interpolations: defaults are used, the required JWT secret gets a valid stand-in. */
  private static String interpolate(String variable, String value) {
    Matcher m = INTERPOLATION.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement;
      if (m.group(2) != null && m.group(2).endsWith("-")) {
        replacement = m.group(3);
      } else if (m.group(1).equals(JWT_SECRET_VARIABLE)) {
        replacement = "s".repeat(48);
      } else {
        return fail(variable + " needs host variable " + m.group(1) + ", which this test has no value for");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Every PARLEY_ name that can override a key: the key path upper-cased with '_' for '.'. */
  private static Set<String> environmentNames(JsonObject node, String prefix) {
    Set<String> names = new LinkedHashSet<>();
    node.forEach(entry -> {
      String name = prefix + "_" + entry.getKey().toUpperCase(Locale.ROOT);
      if (entry.getValue() instanceof JsonObject child) {
        names.addAll(environmentNames(child, name));
      } else {
        names.add(name);
      }
    });
    return names;
  }

  private record MongoUri(String text, List<String> hosts, Map<String, String> options) {
    static MongoUri parse(String text) {
      assertNotNull(text, "parley must get PARLEY_MONGO_CONNECTION_STRING");
      Matcher m = Pattern.compile("mongodb://(?:[^@/]*@)?([^/?]+)/?([^?]*)(?:\\?(.*))?").matcher(text);
      assertTrue(m.matches(), "not a mongodb:// connection string: " + text);
      List<String> hosts = new ArrayList<>();
      for (String host : m.group(1).split(",")) {
        hosts.add(host.contains(":") ? host : host + ":" + MONGO_PORT);
      }
      Map<String, String> options = new LinkedHashMap<>();
      if (m.group(3) != null) {
        for (String option : m.group(3).split("&")) {
          String[] pair = option.split("=", 2);
          options.put(pair[0], pair.length > 1 ? pair[1] : "");
        }
      }
      return new MongoUri(text, hosts, options);
    }
  }

  private record Pom(String finalName, Set<String> inputs) {
  }

  /** pom.xml's jar name and the top-level files and directories its resources come from. */
  private static Pom pom() throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    Document pom = factory.newDocumentBuilder().parse(ROOT.resolve("pom.xml").toFile());
    NodeList finalNames = pom.getElementsByTagName("finalName");
    assertEquals(1, finalNames.getLength(), "pom.xml must set build/finalName");
    Set<String> inputs = new LinkedHashSet<>();
    NodeList resources = pom.getElementsByTagName("resource");
    for (int i = 0; i < resources.getLength(); i++) {
      Element resource = (Element) resources.item(i);
      String directory = text(resource, "directory").replace("${project.basedir}", "").replaceFirst("^/+", "");
      List<String> paths = new ArrayList<>();
      if (directory.isEmpty()) {
        NodeList includes = resource.getElementsByTagName("include");
        for (int j = 0; j < includes.getLength(); j++) {
          paths.add(includes.item(j).getTextContent().trim());
        }
      } else {
        paths.add(directory);
      }
      for (String path : paths) {
        String top = path.split("/")[0];
        if (!top.equals("node_modules") && !top.equals("target")) { // made by the build itself
          inputs.add(top);
        }
      }
    }
    return new Pom(finalNames.item(0).getTextContent().trim(), inputs);
  }

  private static String text(Element parent, String tag) {
    NodeList nodes = parent.getElementsByTagName(tag);
    return nodes.getLength() == 0 ? "" : nodes.item(0).getTextContent().trim();
  }

  // ---------------------------------------------------------------- compose helpers

  private static Map<String, Object> service(String name) {
    assertTrue(services.containsKey(name), "docker-compose.yml has no service " + name + "; services: " + services.keySet());
    return asMap(services.get(name), "service " + name);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value, String what) {
    assertInstanceOf(Map.class, value, what + " must be a mapping");
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> asList(Object value, String what) {
    assertInstanceOf(List.class, value, what + " must be a list");
    return (List<Object>) value;
  }

  /** A command or entrypoint as its words (list form, or the string split on whitespace). */
  private static List<String> words(Object value) {
    if (value == null) {
      return List.of();
    }
    if (value instanceof List<?> list) {
      return list.stream().map(String::valueOf).toList();
    }
    return List.of(String.valueOf(value).trim().split("\\s+"));
  }

  private static String script(Map<String, Object> service) {
    return String.join(" ", words(service.get("entrypoint"))) + " " + String.join(" ", words(service.get("command")));
  }

  /** The value of {@code --name value} or {@code --name=value}. */
  private static String option(List<String> words, String name) {
    for (int i = 0; i < words.size(); i++) {
      if (words.get(i).equals(name) && i + 1 < words.size()) {
        return words.get(i + 1);
      }
      if (words.get(i).startsWith(name + "=")) {
        return words.get(i).substring(name.length() + 1);
      }
    }
    return null;
  }

  /** The text between the parentheses of a call, e.g. {@code rs.initiate(...)}, quotes respected. */
  private static String callArgument(String script, String call) {
    int start = script.indexOf(call);
    assertTrue(start >= 0, "no " + call + " in " + script);
    int depth = 1;
    char quote = 0;
    for (int i = start + call.length(); i < script.length(); i++) {
      char c = script.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"' || c == '`') {
        quote = c;
      } else if (c == '(') {
        depth++;
      } else if (c == ')' && --depth == 0) {
        return script.substring(start + call.length(), i);
      }
    }
    return fail("unbalanced " + call + " in " + script);
  }

  private static Map<String, String> dependsOn(Map<String, Object> service) {
    Map<String, String> conditions = new LinkedHashMap<>();
    Object value = service.get("depends_on");
    if (value instanceof List<?> list) {
      list.forEach(name -> conditions.put(String.valueOf(name), "service_started"));
    } else if (value != null) {
      asMap(value, "depends_on").forEach((name, spec) -> conditions.put(name,
        spec instanceof Map<?, ?> map && map.get("condition") != null ? String.valueOf(map.get("condition")) : "service_started"));
    }
    return conditions;
  }

  private static Map<String, String> environment(Map<String, Object> service) {
    Map<String, String> env = new LinkedHashMap<>();
    Object value = service.get("environment");
    if (value instanceof List<?> list) {
      for (Object entry : list) {
        String[] pair = String.valueOf(entry).split("=", 2);
        env.put(pair[0], pair.length > 1 ? pair[1] : null);
      }
    } else if (value != null) {
      asMap(value, "environment").forEach((name, text) -> env.put(name, text == null ? null : String.valueOf(text)));
    }
    return env;
  }

  private static boolean hasComposeHealthcheck(Map<String, Object> service) {
    if (!(service.get("healthcheck") instanceof Map<?, ?> check) || Boolean.TRUE.equals(check.get("disable"))) {
      return false;
    }
    return !words(check.get("test")).isEmpty() && !words(check.get("test")).get(0).equals("NONE");
  }

  /** The container side of a port mapping ("8080:80", "127.0.0.1:8080:80/tcp", 80, or the long form). */
  private static String containerPort(Object port) {
    if (port instanceof Map<?, ?> map) {
      return String.valueOf(map.get("target"));
    }
    String[] parts = String.valueOf(port).replaceFirst("/(tcp|udp)$", "").split(":");
    return parts[parts.length - 1];
  }

  /** Mount target → source, short ("src:dst[:mode]") or long syntax. */
  private static Map<String, String> mounts(Map<String, Object> service) {
    Map<String, String> mounts = new LinkedHashMap<>();
    for (Object volume : asList(service.get("volumes"), "volumes")) {
      if (volume instanceof Map<?, ?> map) {
        mounts.put(String.valueOf(map.get("target")), String.valueOf(map.get("source")));
      } else {
        String[] parts = String.valueOf(volume).split(":");
        assertTrue(parts.length >= 2, "bind mount without a target: " + volume);
        mounts.put(parts[1], parts[0]);
      }
    }
    return mounts;
  }

  private static String relative(String source) {
    return source == null ? null : ROOT.relativize(ROOT.resolve(source).normalize()).toString();
  }

  // ---------------------------------------------------------------- Dockerfile parsing

  private record Instruction(String keyword, String args) {
    /** Exec form (JSON array) or the shell form's words. */
    List<String> words() {
      if (args.startsWith("[")) {
        return new JsonArray(args).stream().map(String::valueOf).toList();
      }
      return args.isBlank() ? List.of() : List.of(args.trim().split("\\s+"));
    }
  }

  private record Copy(Instruction instruction, Map<String, String> flags, List<String> sources, String dest) {
    static Copy of(Instruction instruction) {
      Map<String, String> flags = new LinkedHashMap<>();
      String rest = instruction.args().trim();
      while (rest.startsWith("--")) {
        String[] split = rest.split("\\s+", 2);
        String[] flag = split[0].substring(2).split("=", 2);
        flags.put(flag[0], flag.length > 1 ? flag[1] : "");
        rest = split.length > 1 ? split[1].trim() : "";
      }
      List<String> paths = rest.startsWith("[")
        ? new JsonArray(rest).stream().map(String::valueOf).toList()
        : List.of(rest.split("\\s+"));
      assertTrue(paths.size() >= 2, "COPY needs a source and a destination: " + instruction.args());
      return new Copy(instruction, flags, paths.subList(0, paths.size() - 1), paths.get(paths.size() - 1));
    }
  }

  private record Stage(String name, String base, List<Instruction> instructions) {
    List<Copy> copies() {
      return instructions.stream().filter(i -> i.keyword().equals("COPY")).map(Copy::of).toList();
    }

    Instruction last(String keyword) {
      Instruction found = null;
      for (Instruction instruction : instructions) {
        if (instruction.keyword().equals(keyword)) {
          found = instruction;
        }
      }
      return found;
    }

    int indexOf(java.util.function.Predicate<Instruction> test) {
      for (int i = 0; i < instructions.size(); i++) {
        if (test.test(instructions.get(i))) {
          return i;
        }
      }
      return -1;
    }

    /** The working directory in effect for the instruction at {@code index}. */
    String workdirBefore(int index) {
      Path workdir = Path.of("/");
      for (int i = 0; i < index; i++) {
        if (instructions.get(i).keyword().equals("WORKDIR")) {
          workdir = workdir.resolve(instructions.get(i).args().trim()).normalize();
        }
      }
      return workdir.toString();
    }
  }

  private static Instruction dockerfileHealthcheck() {
    Instruction healthcheck = stages.get(stages.size() - 1).last("HEALTHCHECK");
    return healthcheck == null || healthcheck.args().trim().equalsIgnoreCase("NONE") ? null : healthcheck;
  }

  private static List<Stage> parseDockerfile(String text) {
    List<String> logical = new ArrayList<>();
    StringBuilder current = null;
    for (String raw : text.split("\n", -1)) {
      String line = raw.stripTrailing();
      if (line.isBlank() || line.strip().startsWith("#")) {
        continue; // blank lines and comments, also inside a continuation
      }
      if (current == null) {
        current = new StringBuilder();
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
      } else {
        logical.add(current.append(line).toString().strip());
        current = null;
      }
    }
    assertTrue(current == null, "Dockerfile ends in a line continuation");
    List<Stage> stages = new ArrayList<>();
    for (String line : logical) {
      String[] parts = line.split("\\s+", 2);
      String keyword = parts[0].toUpperCase(Locale.ROOT);
      String args = parts.length > 1 ? parts[1].strip() : "";
      if (keyword.equals("FROM")) {
        List<String> words = new ArrayList<>(List.of(args.split("\\s+")));
        words.removeIf(w -> w.startsWith("--"));
        String name = words.size() >= 3 && words.get(1).equalsIgnoreCase("AS") ? words.get(2) : null;
        stages.add(new Stage(name, words.get(0), new ArrayList<>()));
      } else {
        assertFalse(stages.isEmpty(), "Dockerfile instruction before FROM: " + line);
        stages.get(stages.size() - 1).instructions().add(new Instruction(keyword, args));
      }
    }
    return stages;
  }

  // ---------------------------------------------------------------- nginx parsing

  private record Directive(String name, List<String> args, List<Directive> block) {
  }

  private record Token(String text, boolean quoted) {
    boolean is(String special) {
      return !quoted && text.equals(special);
    }
  }

  private static List<Directive> parseNginx(String text, String file) {
    List<Token> tokens = tokenize(text, file);
    int[] position = {0};
    return parseBlock(tokens, position, false, file);
  }

  private static List<Directive> parseBlock(List<Token> tokens, int[] position, boolean nested, String file) {
    List<Directive> directives = new ArrayList<>();
    while (position[0] < tokens.size()) {
      Token first = tokens.get(position[0]++);
      if (first.is("}")) {
        assertTrue(nested, file + ": unbalanced }");
        return directives;
      }
      assertFalse(first.is("{") || first.is(";"), file + ": unexpected " + first.text());
      List<String> args = new ArrayList<>();
      while (true) {
        assertTrue(position[0] < tokens.size(), file + ": unterminated directive " + first.text());
        Token token = tokens.get(position[0]++);
        if (token.is(";")) {
          directives.add(new Directive(first.text(), args, null));
          break;
        }
        if (token.is("{")) {
          directives.add(new Directive(first.text(), args, parseBlock(tokens, position, true, file)));
          break;
        }
        assertFalse(token.is("}"), file + ": directive " + first.text() + " lacks its ;");
        args.add(token.text());
      }
    }
    assertFalse(nested, file + ": missing }");
    return directives;
  }

  private static List<Token> tokenize(String text, String file) {
    List<Token> tokens = new ArrayList<>();
    int i = 0;
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '#') {
        while (i < n && text.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '{' || c == '}' || c == ';') {
        tokens.add(new Token(String.valueOf(c), false));
        i++;
      } else if (c == '"' || c == '\'') {
        StringBuilder quoted = new StringBuilder();
        i++;
        while (true) {
          assertTrue(i < n, file + ": unterminated quoted string");
          char d = text.charAt(i++);
          if (d == c) {
            break;
          }
          if (d == '\\' && i < n && (text.charAt(i) == c || text.charAt(i) == '\\')) {
            d = text.charAt(i++);
          }
          quoted.append(d);
        }
        tokens.add(new Token(quoted.toString(), true));
      } else {
        StringBuilder word = new StringBuilder();
        while (i < n) {
          char d = text.charAt(i);
          if (d == '{' && word.length() > 0 && word.charAt(word.length() - 1) == '$') { // ${variable}
            int close = text.indexOf('}', i);
            assertTrue(close > 0, file + ": unterminated ${");
            word.append(text, i, close + 1);
            i = close + 1;
          } else if (Character.isWhitespace(d) || d == '{' || d == '}' || d == ';') {
            break;
          } else {
            word.append(d);
            i++;
          }
        }
        tokens.add(new Token(word.toString(), false));
      }
    }
    return tokens;
  }

  private static Directive single(List<Directive> block, String name, String what) {
    List<Directive> found = block.stream().filter(d -> d.name().equals(name) && d.block() != null).toList();
    assertEquals(1, found.size(), what + " must have exactly one " + name + " block");
    return found.get(0);
  }

  private static Directive httpBlock(List<Directive> config, String what) {
    return single(config, "http", what);
  }

  private static Directive upstream(List<Directive> config, String name) {
    return httpBlock(config, "nginx config").block().stream()
      .filter(d -> d.name().equals("upstream") && d.args().equals(List.of(name))).findFirst()
      .orElseThrow(() -> new AssertionError("no upstream " + name));
  }

  private static Directive location(Directive server, String path) {
    return server.block().stream().filter(d -> d.name().equals("location") && d.args().equals(List.of(path))).findFirst()
      .orElseThrow(() -> new AssertionError("parley-proxy.conf has no location " + path));
  }

  /** The arguments of the one directive called {@code name} in a block (empty when absent). */
  private static List<String> arguments(List<Directive> block, String name) {
    List<Directive> found = block.stream().filter(d -> d.name().equals(name)).toList();
    assertTrue(found.size() <= 1, "directive " + name + " appears " + found.size() + " times");
    return found.isEmpty() ? List.of() : found.get(0).args();
  }

  /** A directive's value as nginx inherits it: the innermost level that sets it wins. */
  private static List<String> effective(Directive location, Directive server, List<List<Directive>> http, String name) {
    List<List<Directive>> levels = new ArrayList<>(List.of(location.block(), server.block()));
    levels.addAll(http);
    for (List<Directive> level : levels) {
      List<String> args = arguments(level, name);
      if (!args.isEmpty()) {
        return args;
      }
    }
    return List.of();
  }

  /** The headers a location sends upstream: its own proxy_set_header set, or (only if it has none) the server's, and so on. */
  private static Map<String, String> headers(Directive location, Directive server, List<List<Directive>> http) {
    List<List<Directive>> levels = new ArrayList<>(List.of(location.block(), server.block()));
    levels.addAll(http);
    for (List<Directive> level : levels) {
      List<Directive> set = level.stream().filter(d -> d.name().equals("proxy_set_header")).toList();
      if (!set.isEmpty()) {
        Map<String, String> headers = new LinkedHashMap<>();
        set.forEach(d -> headers.put(d.args().get(0).toLowerCase(Locale.ROOT), d.args().get(1)));
        return headers;
      }
    }
    return Map.of();
  }

  private static int listenPort(List<Directive> proxyConf) {
    List<String> listen = arguments(single(proxyConf, "server", "parley-proxy.conf").block(), "listen");
    assertEquals(1, listen.size(), "parley-proxy.conf must listen on one plain port: " + listen);
    return Integer.parseInt(listen.get(0));
  }

  private static String proxyInclude(List<Directive> config, String what) {
    List<String> include = arguments(httpBlock(config, what).block(), "include");
    assertEquals(1, include.size(), what + " must include parley-proxy.conf in http {}");
    assertTrue(include.get(0).endsWith("/parley-proxy.conf"), what + " includes " + include);
    return include.get(0);
  }

  private static String read(String file) throws IOException {
    return Files.readString(ROOT.resolve(file));
  }
}
