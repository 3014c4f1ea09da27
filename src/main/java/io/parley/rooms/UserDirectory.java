package io.parley.rooms;

import io.parley.auth.api.UserRef;
import io.parley.common.Caller;
import io.vertx.core.Future;

import java.util.List;

/** Where rooms learns which usernames exist: the auth concern's client, wired in by the verticle. */
@FunctionalInterface
interface UserDirectory {

  Future<List<UserRef>> resolve(Caller caller, List<String> usernames);
}
