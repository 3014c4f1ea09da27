package io.parley.auth;

import io.parley.common.Caller;
import io.vertx.core.Future;

/**
 * What a new account sets going outside auth (rooms: the tenant's general room), wired in by the
 * verticle. Idempotent, so an attempt cut short is simply made again.
 */
@FunctionalInterface
interface Welcome {

  Future<Void> welcome(Caller caller);
}
