package io.parley.auth.api;

import io.parley.common.BusRequests;
import io.parley.common.Caller;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The auth concern as other concerns call it over the event bus. */
public final class AuthClient {

  private final BusRequests bus;

  public AuthClient(BusRequests bus) {
    this.bus = bus;
  }

  /** The users among {@code usernames} that exist in the caller's tenant (case-insensitive). */
  public Future<List<UserRef>> resolveUsers(Caller caller, List<String> usernames) {
    return bus.<JsonObject>request(AuthAddresses.RESOLVE_USERS, new ResolveUsers(usernames).toJson(), caller.deliveryOptions())
      .map(reply -> ResolveUsers.ResolvedUsers.fromJson(reply.body()).users());
  }
}
