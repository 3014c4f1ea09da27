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

  /** The directory's prefix search within the caller's tenant (see {@link UserSearch}). */
  public Future<List<DirectoryUser>> search(Caller caller, UserSearch search) {
    return bus.<JsonObject>request(AuthAddresses.SEARCH_USERS, search.toJson(), caller.deliveryOptions())
      .map(reply -> UserSearch.Found.fromJson(reply.body()).users());
  }

  /** The users of the caller's tenant among {@code ids}, in the order asked. */
  public Future<List<DirectoryUser>> users(Caller caller, List<String> ids) {
    return bus.<JsonObject>request(AuthAddresses.GET_USERS, new UserIds(ids).toJson(), caller.deliveryOptions())
      .map(reply -> UserSearch.Found.fromJson(reply.body()).users());
  }
}
