package io.parley.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Folds {@code PARLEY_<PATH>} environment variables onto the config tree. The path is resolved against
 * the keys the defaults declare, so {@code PARLEY_MONGO_CONNECTION_STRING} finds
 * {@code mongo.connection_string} even though {@code _} is both separator and part of a key.
 */
final class EnvOverrides {

  static final String PREFIX = "PARLEY_";
  /** PARLEY_ variables that are read elsewhere (config file location, logback), not config keys. */
  private static final Set<String> NOT_SETTINGS = Set.of("PARLEY_CONFIG", "PARLEY_LOG_LEVEL");

  private EnvOverrides() {
  }

  /** Applies the overrides found among {@code merged}'s upper-case keys; returns the lower-case tree. */
  static JsonObject apply(JsonObject merged) {
    JsonObject tree = new JsonObject();
    merged.forEach(entry -> {
      if (!entry.getKey().equals(entry.getKey().toUpperCase(Locale.ROOT))) {
        tree.put(entry.getKey(), entry.getValue());
      }
    });
    Map<String, List<String>> paths = new HashMap<>();
    collectPaths(tree, new ArrayList<>(), paths);
    merged.forEach(entry -> {
      String name = entry.getKey();
      if (!name.startsWith(PREFIX) || NOT_SETTINGS.contains(name)) {
        return;
      }
      List<String> path = paths.get(name.substring(PREFIX.length()));
      if (path == null) {
        throw new ConfigException(name, "no such setting (environment overrides must name a key of conf/config.json)");
      }
      set(tree, path, name, entry.getValue());
    });
    return tree;
  }

  /** The variable names that override a key of {@code tree}. */
  static Set<String> names(JsonObject tree) {
    Map<String, List<String>> paths = new HashMap<>();
    collectPaths(tree, new ArrayList<>(), paths);
    Set<String> names = new TreeSet<>();
    paths.keySet().forEach(path -> names.add(PREFIX + path));
    return names;
  }

  private static void collectPaths(JsonObject node, List<String> prefix, Map<String, List<String>> out) {
    node.forEach(entry -> {
      List<String> path = new ArrayList<>(prefix);
      path.add(entry.getKey());
      if (entry.getValue() instanceof JsonObject child) {
        collectPaths(child, path, out);
      } else {
        out.put(String.join("_", path).toUpperCase(Locale.ROOT), path);
      }
    });
  }

  private static void set(JsonObject tree, List<String> path, String envName, Object raw) {
    JsonObject parent = tree;
    for (int i = 0; i < path.size() - 1; i++) {
      parent = parent.getJsonObject(path.get(i));
    }
    String key = path.get(path.size() - 1);
    // Name both: the key is what the operator finds in conf/config.json, the variable what they set.
    parent.put(key, coerce(parent.getValue(key), raw, String.join(".", path) + " (from " + envName + ")"));
  }

  /** Environment values arrive as text or a guessed type; convert to the type the default has. */
  private static Object coerce(Object template, Object raw, String setting) {
    String text = String.valueOf(raw).trim();
    try {
      if (template instanceof Integer || template instanceof Long) {
        return Long.parseLong(text);
      }
      if (template instanceof Number) {
        return Double.parseDouble(text);
      }
      if (template instanceof Boolean) {
        if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
          throw new ConfigException(setting, "must be true or false, got '" + text + "'");
        }
        return Boolean.parseBoolean(text);
      }
      if (template instanceof JsonArray) {
        return text.startsWith("[") ? new JsonArray(text) : new JsonArray(List.of(text.split(",")));
      }
    } catch (NumberFormatException e) {
      throw new ConfigException(setting, "must be a number, got '" + text + "'");
    } catch (io.vertx.core.json.DecodeException e) {
      throw new ConfigException(setting, "must be a JSON array or a comma-separated list");
    }
    return raw instanceof String ? raw : text;
  }
}
