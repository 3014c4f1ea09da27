package io.parley.gateway.bridge;

/** Close codes a client sees on its socket (docs/PROTOCOL.md); each says how to come back. */
final class CloseCodes {

  /** The server is shutting down: reconnect (to another node) and sync. */
  static final int RESTARTING = 4000;
  /** The client did not read its events fast enough: reconnect and sync. */
  static final int TOO_SLOW = 4001;
  /** The newest token presented expired: refresh, reconnect and sync. */
  static final int TOKEN_EXPIRED = 4002;
  /** Nothing heard from the client (not even pings) for too long. */
  static final int SILENT = 1001;

  private CloseCodes() {
  }
}
