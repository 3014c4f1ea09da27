package io.parley.gateway.bridge;

import io.parley.auth.api.AccessTokens;
import io.parley.common.Caller;
import io.parley.common.CommonError;
import io.parley.common.Failure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Clock;

/**
 * Who a bridge connection belongs to, from the access token each frame carries. One connection is one
 * user; verification is cached per token until it expires. The connection may keep receiving events
 * while the newest token it presented is valid, plus a grace for the client to refresh and present it.
 */
final class ConnectionAuth {

  /** How long after its newest token expired a registered connection is closed. */
  static final long TOKEN_GRACE_MS = 10_000;

  private final AccessTokens tokens;
  private final Clock clock;
  private Caller caller;
  private String verifiedToken;
  private long verifiedUntil;
  private long authorizedUntil;

  ConnectionAuth(AccessTokens tokens, Clock clock) {
    this.tokens = tokens;
    this.clock = clock;
  }

  /** The user this connection belongs to, or null before the first verified frame. */
  Caller caller() {
    return caller;
  }

  /** The caller of this frame: UNAUTHENTICATED without a token, TOKEN_INVALID, or FORBIDDEN for another user. */
  Future<Caller> authenticate(JsonObject frame) {
    String token = token(frame);
    if (token == null) {
      return Failure.fail(CommonError.UNAUTHENTICATED, "send the access token in the 'authorization' header of each frame");
    }
    if (token.equals(verifiedToken) && clock.millis() < verifiedUntil) {
      return Future.succeededFuture(caller);
    }
    return tokens.verify(token).compose(verified -> {
      Caller who = verified.caller();
      if (caller != null && !caller.equals(who)) {
        // One connection, one user: switching identity mid-connection would mix two users' events.
        return Failure.fail(CommonError.FORBIDDEN, "this connection belongs to another user");
      }
      accept(who, token, verified.expiresAtMillis());
      return Future.succeededFuture(who);
    });
  }

  /** Records a verified token; the newest expiry is what keeps the connection authorized. */
  void accept(Caller who, String token, long expiresAtMillis) {
    caller = who;
    verifiedToken = token;
    verifiedUntil = expiresAtMillis;
    authorizedUntil = Math.max(authorizedUntil, expiresAtMillis);
  }

  /** True once the newest token has been expired for longer than the grace. */
  boolean lapsed() {
    return authorizedUntil < clock.millis() - TOKEN_GRACE_MS;
  }

  /** The token of a frame's {@code authorization} header ("Bearer " optional), or null when there is none. */
  static String token(JsonObject frame) {
    if (!(frame.getValue("headers") instanceof JsonObject headers)) {
      return null;
    }
    Object value = headers.getValue("authorization");
    if (!(value instanceof String text)) {
      return null;
    }
    String token = text.regionMatches(true, 0, "Bearer ", 0, 7) ? text.substring(7).trim() : text.trim();
    return token.isEmpty() ? null : token;
  }
}
