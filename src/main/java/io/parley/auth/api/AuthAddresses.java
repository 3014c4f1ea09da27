package io.parley.auth.api;

/** Event-bus addresses served by the auth concern. Bodies are JSON objects; see docs/PROTOCOL.md. */
public final class AuthAddresses {

  /** {@link Registration} → {@link Account}. Anonymous. */
  public static final String REGISTER = "parley.auth.register";
  /** {@link Login} → {@link TokenPair}. Anonymous. */
  public static final String LOGIN = "parley.auth.login";
  /** {refreshToken} → the next {@link TokenPair}; the old token is spent. Anonymous. */
  public static final String REFRESH = "parley.auth.refresh";
  /** {refreshToken} → {}; revokes the token's whole family. Anonymous. */
  public static final String LOGOUT = "parley.auth.logout";
  /** Internal: {usernames:[…]} → {users:[{@link UserRef}]} within the caller's tenant. */
  public static final String RESOLVE_USERS = "parley.auth.users.resolve";

  private AuthAddresses() {
  }
}
