package io.parley.fanout;

import io.parley.config.ParleyConfig;
import io.vertx.core.Vertx;

/** Chooses the fan-out transport for this node's configuration. */
public final class Fanouts {

  private Fanouts() {
  }

  public static EventFanout create(Vertx vertx, ParleyConfig config) {
    return new InProcessFanout(vertx);
  }
}
