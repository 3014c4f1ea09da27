package io.parley.gateway.bridge;

import io.parley.common.Caller;
import io.parley.common.CommonError;
import io.parley.rooms.api.RoomsClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;

/**
 * The user's conversations for a registration, asked again on a timeout, no handlers, or a request cut
 * short by a member leaving the cluster ({@code BusRequests}): right after a node dies its rooms instance
 * is still registered on the bus for a moment, and a reconnecting client should not wait out the full
 * request timeout for a read that another instance answers at once.
 */
final class ConversationLister {

  private static final long ATTEMPT_TIMEOUT_MS = 2000;
  private static final int ATTEMPTS = 4;

  private final RoomsClient rooms;
  private final long timeoutMs;

  ConversationLister(RoomsClient rooms, long requestTimeoutMs) {
    this.rooms = rooms;
    this.timeoutMs = Math.min(requestTimeoutMs, ATTEMPT_TIMEOUT_MS);
  }

  Future<JsonArray> list(Caller caller) {
    return list(caller, ATTEMPTS);
  }

  private Future<JsonArray> list(Caller caller, int attempts) {
    return rooms.list(caller, timeoutMs).recover(err -> attempts > 1 && err instanceof ReplyException reply
      && (reply.failureType() == ReplyFailure.TIMEOUT || reply.failureType() == ReplyFailure.NO_HANDLERS
        || reply.failureCode() == CommonError.SERVICE_UNAVAILABLE.failureCode())
      ? list(caller, attempts - 1) : Future.failedFuture(err));
  }
}
