package io.parley.live;

import io.parley.config.ParleyConfig;
import io.vertx.core.json.JsonObject;

/**
 * {@code live.*}: presence on or off; how long an instance's presence entries live without a heartbeat
 * (the bound on a dead instance's users going offline, plus the sweep interval); how long every connection
 * of a user may stay inactive before the user is away; how long "typing" lasts after the last {@code true}.
 */
public record LiveSettings(boolean presence, long presenceTtlMs, long idleAwayMs, long typingExpiryMs) {

  /** How often each instance looks for entries past their deadline. */
  static final long SWEEP_MS = 1000;
  /** Entries one sweep drops at most (the rest in the next). */
  static final int SWEEP_BATCH = 500;

  public static LiveSettings of(ParleyConfig config) {
    JsonObject live = config.live();
    return new LiveSettings(live.getBoolean("presence"), live.getInteger("presence_ttl_seconds") * 1000L,
      live.getInteger("idle_away_seconds") * 1000L, live.getInteger("typing_expiry_seconds") * 1000L);
  }

  /** Renewed three times per TTL: two heartbeats may be lost before an entry expires. */
  long heartbeatMs() {
    return Math.max(500, presenceTtlMs / 3);
  }
}
