package io.parley.gateway.bridge;

import io.parley.config.ParleyConfig;

/**
 * What every connection of a gateway instance shares: how long a request may take, which node this
 * is, and the bounds one client gets — bytes of events queued to it before it counts as too slow,
 * requests in flight on one connection and for one user on this gateway instance, a frame's size,
 * registered connections of one user on this gateway instance, how often SockJS sessions get a heartbeat.
 */
public record BridgeSettings(long requestTimeoutMs, String nodeId, int queuedBytesMax, int requestsPerConnection,
                             int requestsPerUser, long maxFrameBytes, int connectionsPerUser, long heartbeatMs) {

  public static BridgeSettings of(ParleyConfig config, String nodeId) {
    return new BridgeSettings(config.requestTimeoutMs(), nodeId, config.clientQueueBytes(),
      config.requestsInFlightPerConnection(), config.requestsInFlightPerUser(), config.maxBodyBytes(),
      config.connectionsPerUser(), config.sockjsHeartbeatMs());
  }
}
