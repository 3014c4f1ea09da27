package io.parley.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One cluster started by {@code scripts/cluster.sh} in its own state directory ($PARLEY_CLUSTER_DIR):
 * N instances in their own JVMs behind nginx, with redis-server and one store. Each method runs one
 * command of the script; {@link ClusterExtension} creates these and always takes them down.
 */
public final class ScriptCluster {

  private static final Path ROOT = Path.of("").toAbsolutePath();

  /** One line of {@code cluster.sh ps}. */
  public record Instance(int index, String url, boolean up, String roles) {
  }

  private final Path dir;
  private final Vertx vertx;
  private final Map<String, String> env;
  private boolean started;

  ScriptCluster(Path dir, Vertx vertx, Map<String, String> env) {
    this.dir = dir;
    this.vertx = vertx;
    this.env = new HashMap<>(env);
    this.env.put("PARLEY_CLUSTER_DIR", dir.toString());
    // Fast but real password hashing and generous rates: these tests register many users from one address.
    ParleyNodeExtension.testEnvironment().forEach(this.env::putIfAbsent);
  }

  public Path dir() {
    return dir;
  }

  /** {@code cluster.sh up n}; returns the nginx port (from the base URL, the last line printed). */
  public int up(int n) throws Exception {
    started = true;
    String out = run(240, "up", String.valueOf(n));
    List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
    String url = lines.get(lines.size() - 1).trim();
    assertTrue(url.matches("http://127\\.0\\.0\\.1:\\d+"), "the last line of 'up' is the nginx base URL: " + out);
    return portOf(url);
  }

  public List<Instance> ps() throws Exception {
    List<Instance> instances = new ArrayList<>();
    for (String line : run(30, "ps").lines().filter(l -> !l.isBlank()).toList()) {
      String[] f = line.trim().split("\\s+");
      instances.add(new Instance(Integer.parseInt(f[0]), f[1], f[2].equals("up"), f.length > 3 ? f[3] : ""));
    }
    return instances;
  }

  /** kill -9 of instance {@code i} (1-based). */
  public void kill(int i) throws Exception {
    run(30, "kill", String.valueOf(i));
  }

  /** Starts instance {@code i} again on its ports. */
  public void start(int i) throws Exception {
    run(120, "start", String.valueOf(i));
  }

  /** {@code cluster.sh redis kill|start}. */
  public void redis(String action) throws Exception {
    run(30, "redis", action);
  }

  public void down() throws Exception {
    if (started) {
      started = false;
      run(120, "down");
    }
  }

  /** A file of the state directory, e.g. "redis.url", "mongo.url", "jwt-secret", to share with another cluster. */
  public String file(String name) throws IOException {
    return Files.readString(dir.resolve(name)).trim();
  }

  /** Each running gateway instance's node id (from /health/detailed) → its 1-based index. */
  public Map<String, Integer> instancesByNodeId() throws Exception {
    Map<String, Integer> byNode = new LinkedHashMap<>();
    for (Instance instance : ps()) {
      byNode.put(nodeInfo(instance.url()).getString("nodeId"), instance.index());
    }
    return byNode;
  }

  /** The "node" check of an instance's /health/detailed (nodeId, roles, members), whatever the overall status. */
  public JsonObject nodeInfo(String instanceUrl) throws Exception {
    WebClient web = WebClient.create(vertx);
    try {
      HttpResponse<Buffer> response = Async.await(web.get(portOf(instanceUrl), "127.0.0.1", "/health/detailed").timeout(10_000).send());
      JsonObject health = response.bodyAsJsonObject();
      for (Object check : health.getJsonArray("checks")) {
        if ("node".equals(((JsonObject) check).getString("id"))) {
          return ((JsonObject) check).getJsonObject("data");
        }
      }
      throw new AssertionError("no node check in " + health.encode());
    } finally {
      web.close();
    }
  }

  private static int portOf(String url) {
    return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
  }

  private String run(int timeoutSeconds, String... args) throws Exception {
    Files.createDirectories(dir);
    Path out = Files.createTempFile("cluster-sh-", ".out");
    Path err = Files.createTempFile("cluster-sh-", ".err");
    try {
      List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("scripts/cluster.sh").toString()));
      command.addAll(List.of(args));
      // Output to files, not pipes: the processes the script starts in the background must not hold our pipe.
      ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("cluster.sh " + String.join(" ", args) + " did not finish within " + timeoutSeconds + " s: "
          + Files.readString(err));
      }
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new AssertionError("cluster.sh " + String.join(" ", args) + " failed (exit " + process.exitValue() + "): "
          + Files.readString(err) + stdout + logTails());
      }
      return stdout;
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private String logTails() {
    StringBuilder tails = new StringBuilder();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path log : files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList()) {
        List<String> lines = Files.readAllLines(log);
        tails.append("\n--- ").append(log.getFileName()).append(" (last lines) ---\n")
          .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size())));
      }
    } catch (IOException e) {
      tails.append("\n(no logs: ").append(e).append(")");
    }
    return tails.toString();
  }
}
