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
  /** {@link UserSearch} → {@link UserSearch.Found}: the directory's prefix search within the caller's tenant. REST only. */
  public static final String SEARCH_USERS = "parley.auth.users.search";
  /** {@link UserIds} → {@link UserSearch.Found}: those of the ids that are users of the caller's tenant. REST only. */
  public static final String GET_USERS = "parley.auth.users.get";
  /** {} → the caller's {@link Profile}. REST only. */
  public static final String PROFILE = "parley.auth.profile";
  /** {displayName} (null or "" clears it) → the caller's {@link Profile} after the change. REST only. */
  public static final String UPDATE_PROFILE = "parley.auth.profile.update";
  /** Internal: {usernames:[…]} → {users:[{@link UserRef}]} within the caller's tenant. */
  public static final String RESOLVE_USERS = "parley.auth.users.resolve";

  private AuthAddresses() {
  }
}
