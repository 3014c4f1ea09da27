package io.parley.auth;

/** Event-bus addresses served by the auth concern. Bodies are JSON objects; see docs/PROTOCOL.md. */
public final class AuthAddresses {

  /** {tenant, username, password} → {userId, tenant, username}. Anonymous. */
  public static final String REGISTER = "parley.auth.register";
  /** {tenant, username, password} → token pair. Anonymous. */
  public static final String LOGIN = "parley.auth.login";
  /** {refreshToken} → new token pair; the old token is spent. Anonymous. */
  public static final String REFRESH = "parley.auth.refresh";
  /** {refreshToken} → {}; revokes the token's whole family. Anonymous. */
  public static final String LOGOUT = "parley.auth.logout";
  /** {usernames:[…]} → {users:[{userId, username}]} within the caller's tenant. */
  public static final String RESOLVE_USERS = "parley.auth.users.resolve";
  /** {} → {}; answers while an auth verticle is up (health). */
  public static final String PING = "parley.auth.ping";

  private AuthAddresses() {
  }
}
