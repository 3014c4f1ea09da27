package io.parley;

import io.parley.config.ConfigLoader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps compose's monitoring valid without Docker: prometheus.yml and Grafana's provisioning files parse
 * (SnakeYAML), are mounted where the images read them, and point at what exists: the parley replicas on
 * http.port with the ops token compose gives Parley, the prometheus service, and the dashboard files.
 * That the dashboard's queries name exported series is MetricsTest's job.
 */
class MonitoringFilesTest {

  private static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath();
  private static final String PROMETHEUS_CONFIG = "/etc/prometheus/prometheus.yml";
  private static final String GRAFANA_PROVISIONING = "/etc/grafana/provisioning";
  private static final String SECRETS = "/run/secrets/";

  private static Map<String, Object> compose;
  private static Map<String, Object> services;

  @BeforeAll
  static void load() throws IOException {
    compose = asMap(yaml(read("docker-compose.yml")));
    services = asMap(compose.get("services"));
  }

  /** Guards: one scrape job finds every parley replica by Docker DNS on http.port and sends the ops token compose gives parley. */
  @Test
  void prometheusScrapesEveryParleyReplicaWithTheOpsToken() throws IOException {
    Map<String, Object> prometheus = service("prometheus");
    assertPinned(prometheus);
    String config = mountedFrom(prometheus, PROMETHEUS_CONFIG);
    assertTrue(words(prometheus.get("command")).contains("--config.file=" + PROMETHEUS_CONFIG), "prometheus must read " + PROMETHEUS_CONFIG);
    Map<String, Object> job = asMap(list(asMap(yaml(read(config))).get("scrape_configs")).stream()
      .filter(c -> asMap(c).containsKey("dns_sd_configs")).findFirst()
      .orElseThrow(() -> new AssertionError(config + " has no job with dns_sd_configs")));
    assertEquals("/metrics", job.getOrDefault("metrics_path", "/metrics"));
    Map<String, Object> dns = asMap(list(job.get("dns_sd_configs")).get(0));
    assertEquals("A", dns.get("type"), "one A record per replica");
    assertEquals(List.of("parley"), list(dns.get("names")), "the compose service whose replicas are scraped");
    int httpPort = new JsonObject(read("conf/config.json")).getJsonObject("http").getInteger("port");
    assertEquals(httpPort, dns.get("port"), "the replicas serve /metrics on http.port");

    // The token: Parley reads PARLEY_HTTP_OPS_TOKEN; Prometheus a secret file compose fills from the same variable.
    String variable = hostVariable(asMap(service("parley").get("environment")).get("PARLEY_HTTP_OPS_TOKEN"));
    assertTrue(ConfigLoader.environmentNames(new JsonObject(read("conf/config.json"))).contains("PARLEY_HTTP_OPS_TOKEN"));
    String file = String.valueOf(asMap(job.get("authorization")).get("credentials_file"));
    assertTrue(file.startsWith(SECRETS), "the token file is a compose secret: " + file);
    String secret = file.substring(SECRETS.length());
    assertTrue(list(prometheus.get("secrets")).contains(secret), "prometheus must be given the secret " + secret);
    assertEquals(variable, asMap(asMap(compose.get("secrets")).get(secret)).get("environment"),
      "the secret must hold the value parley gets as its ops token");
  }

  /** Guards: Grafana reads the provisioning directory, whose data source is the prometheus service and whose provider loads the dashboards. */
  @Test
  void grafanaIsProvisionedWithPrometheusAndTheDashboards() throws IOException {
    Map<String, Object> grafana = service("grafana");
    assertPinned(grafana);
    Path provisioning = ROOT.resolve(mountedFrom(grafana, GRAFANA_PROVISIONING));

    List<Object> sources = list(asMap(yaml(Files.readString(provisioning.resolve("datasources/prometheus.yml")))).get("datasources"));
    assertEquals(1, sources.size());
    Map<String, Object> source = asMap(sources.get(0));
    assertEquals("prometheus", source.get("type"));
    URI url = URI.create(String.valueOf(source.get("url")));
    assertTrue(services.containsKey(url.getHost()), "the data source must be a compose service: " + url);
    assertTrue(words(service(url.getHost()).get("image")).get(0).startsWith("prom/prometheus:"), url + " is not Prometheus");
    assertEquals(9090, url.getPort(), "Prometheus listens on 9090");

    Map<String, Object> provider = asMap(list(asMap(yaml(Files.readString(provisioning.resolve("dashboards/parley.yml")))).get("providers")).get(0));
    assertEquals("file", provider.get("type"));
    Path dashboards = ROOT.resolve(mountedFrom(grafana, String.valueOf(asMap(provider.get("options")).get("path"))));
    List<Path> files;
    try (var listing = Files.list(dashboards)) {
      files = listing.filter(f -> f.toString().endsWith(".json")).toList();
    }
    assertFalse(files.isEmpty(), "no dashboard in " + dashboards);
    for (Path file : files) {
      JsonObject dashboard = new JsonObject(Files.readString(file));
      assertNotNull(dashboard.getString("uid"), file + " needs a uid (a stable URL)");
      JsonArray panels = dashboard.getJsonArray("panels");
      assertFalse(panels.isEmpty(), file + " has no panels");
      panels.forEach(p -> assertEquals(source.get("uid"), ((JsonObject) p).getJsonObject("datasource").getString("uid"),
        file + ": panel '" + ((JsonObject) p).getString("title") + "' must use the provisioned data source"));
    }
    String home = String.valueOf(asMap(grafana.get("environment")).get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"));
    assertTrue(Files.isRegularFile(ROOT.resolve(mountedFrom(grafana, home))), "the home dashboard must exist: " + home);
  }

  /** Guards: Grafana is published for the operator on loopback only; viewing needs no login, editing the admin password from the host. */
  @Test
  void grafanaIsOnLoopbackWithAnonymousViewersAndAnAdminPasswordFromTheHost() {
    Map<String, Object> grafana = service("grafana");
    assertEquals(List.of("127.0.0.1:3000:3000"), list(grafana.get("ports")));
    Map<String, Object> env = asMap(grafana.get("environment"));
    assertEquals("true", String.valueOf(env.get("GF_AUTH_ANONYMOUS_ENABLED")));
    assertEquals("Viewer", env.get("GF_AUTH_ANONYMOUS_ORG_ROLE"), "anonymous visitors may only view");
    assertNotNull(hostVariable(env.get("GF_SECURITY_ADMIN_PASSWORD")));
  }

  // ---- helpers ----

  /** The project path bind-mounted at {@code target} (or at a directory above it), relative to the project. */
  private static String mountedFrom(Map<String, Object> service, String target) {
    Map<String, String> mounts = new TreeMap<>();
    for (Object volume : list(service.getOrDefault("volumes", List.of()))) {
      String[] parts = String.valueOf(volume).split(":");
      if (parts[0].startsWith("./")) {
        mounts.put(parts[1], parts[0].substring(2));
      }
    }
    Optional<Map.Entry<String, String>> mount = mounts.entrySet().stream()
      .filter(m -> target.equals(m.getKey()) || target.startsWith(m.getKey() + "/")).findFirst();
    assertTrue(mount.isPresent(), target + " is mounted from no project file: " + mounts);
    String path = mount.get().getValue() + target.substring(mount.get().getKey().length());
    assertTrue(Files.exists(ROOT.resolve(path)), target + " is mounted from " + path + ", which does not exist");
    return path;
  }

  /** ${VAR:?message} or ${VAR} → VAR: a value the host must give, with no default in the file. */
  private static String hostVariable(Object value) {
    Matcher m = Pattern.compile("\\$\\{(\\w+)(:?\\?[^}]*)?}").matcher(String.valueOf(value));
    assertTrue(m.matches(), "must come from the host as ${VAR:?message}: " + value);
    return m.group(1);
  }

  private static void assertPinned(Map<String, Object> service) {
    String image = String.valueOf(service.get("image"));
    assertTrue(image.matches("[\\w./-]+:v?\\d+\\.\\d+\\.\\d+"), "pin an exact image version: " + image);
  }

  private static Map<String, Object> service(String name) {
    assertTrue(services.containsKey(name), "docker-compose.yml has no service " + name);
    return asMap(services.get(name));
  }

  private static Object yaml(String text) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    return new Yaml(new SafeConstructor(options)).load(text);
  }

  private static List<String> words(Object value) {
    if (value instanceof List<?> l) {
      return l.stream().map(String::valueOf).toList();
    }
    return value == null ? List.of() : List.of(value.toString().strip().split("\\s+"));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value) {
    assertInstanceOf(Map.class, value, "expected a mapping: " + value);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object value) {
    assertInstanceOf(List.class, value, "expected a list: " + value);
    return (List<Object>) value;
  }

  private static String read(String file) throws IOException {
    return Files.readString(ROOT.resolve(file));
  }
}
