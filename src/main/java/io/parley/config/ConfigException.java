package io.parley.config;

/** A configuration problem, phrased for the operator: which key, what is wrong. */
public class ConfigException extends RuntimeException {
  public ConfigException(String key, String problem) {
    super("config " + key + ": " + problem);
  }
}
