package io.parley.common;

import java.util.Locale;

/**
 * The concerns a node can run, in deploy order: the services first, the gateway last so that clients
 * arrive only once the services answer. Config keys ({@code node.verticles.<key>}), health checks and
 * the ping addresses all derive from this one list.
 */
public enum Concern {
  AUTH, ROOMS, ATTACHMENTS, DELIVERY, GATEWAY;

  /** The name used in config and health output, e.g. {@code rooms}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** {@code {} → {}}: answers while an instance of the concern is up anywhere on the bus. */
  public String pingAddress() {
    return "parley." + key() + ".ping";
  }

  /** A concern that serves requests on the event bus (every one but the gateway). */
  public boolean servesBus() {
    return this != GATEWAY;
  }

  public static Concern ofKey(String key) {
    for (Concern concern : values()) {
      if (concern.key().equals(key)) {
        return concern;
      }
    }
    return null;
  }
}
