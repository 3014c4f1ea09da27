package io.parley.common;

import io.vertx.core.json.JsonObject;

/** A reply record's one mapping to JSON; {@link BusService} replies with it. */
public interface ToJson {

  JsonObject toJson();
}
