package io.parley.gateway.bridge;

/** What every connection of a gateway instance shares: how long a request may take, and which node this is. */
record BridgeSettings(long requestTimeoutMs, String nodeId) {
}
