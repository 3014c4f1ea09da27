package io.parley.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.Set;

/**
 * Reads the node's configuration: the defaults bundled in the jar ({@code conf/config.json}), then an
 * optional file named by {@code PARLEY_CONFIG}, then {@code PARLEY_*} environment variables, each
 * layer overriding the one before. The result is validated before anything starts.
 */
public final class ConfigLoader {

  public static final String DEFAULTS = "conf/config.json";

  private ConfigLoader() {
  }

  public static Future<ParleyConfig> load(Vertx vertx) {
    return load(vertx, System.getenv("PARLEY_CONFIG"), new JsonObject());
  }

  /**
   * @param file      an operator's config file layered over the defaults, or null
   * @param overrides highest-priority values (tests, embedding), applied after the environment
   */
  public static Future<ParleyConfig> load(Vertx vertx, String file, JsonObject overrides) {
    // Declared explicitly, file first: vertx-config's default order would let the file beat the environment.
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setIncludeDefaultStores(false)
      .addStore(new ConfigStoreOptions().setType("file").setFormat("json")
        .setConfig(new JsonObject().put("path", DEFAULTS)));
    if (file != null && !file.isBlank()) {
      options.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
        .setConfig(new JsonObject().put("path", file)));
    }
    options.addStore(new ConfigStoreOptions().setType("env").setConfig(new JsonObject().put("raw-data", true)));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
      .recover(err -> Future.failedFuture(new ConfigException(file == null ? DEFAULTS : file,
        "cannot be read: " + err.getMessage())))
      .map(EnvOverrides::apply)
      .map(tree -> tree.mergeIn(overrides, true))
      .map(ConfigValidator::validate)
      .map(ParleyConfig::new)
      .onComplete(ar -> retriever.close());
  }

  /**
   * The config a node would run with, given the defaults (or any config tree) and an environment:
   * {@code PARLEY_*} overrides folded on, then validated. For checking deployment files (a compose
   * service's environment) without starting anything; fails with {@link ConfigException} naming the key.
   */
  public static ParleyConfig resolve(JsonObject base, Map<String, String> environment) {
    JsonObject merged = base.copy();
    environment.forEach(merged::put);
    return new ParleyConfig(ConfigValidator.validate(EnvOverrides.apply(merged)));
  }

  /** Every {@code PARLEY_*} variable name that overrides a key of {@code base}. */
  public static Set<String> environmentNames(JsonObject base) {
    return EnvOverrides.names(base);
  }
}
