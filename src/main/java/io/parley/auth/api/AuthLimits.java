package io.parley.auth.api;

import java.util.regex.Pattern;

/** What a tenant name, a username and a password may be: one definition for every concern. */
public final class AuthLimits {

  public static final int TENANT_MAX = 63;
  public static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9_-]{0," + (TENANT_MAX - 1) + "}");
  public static final String TENANT_RULE = "must be 1-" + TENANT_MAX + " lower-case letters, digits, '-' or '_'";

  public static final int USERNAME_MAX = 32;
  public static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0," + (USERNAME_MAX - 1) + "}");
  public static final String USERNAME_RULE = "must be 1-" + USERNAME_MAX + " letters, digits, '.', '-' or '_'";

  public static final int PASSWORD_MIN = 8;
  /** Longest username or password login reads; anything longer cannot match an account. */
  public static final int CREDENTIAL_MAX_BYTES = 256;
  public static final int PASSWORD_MAX_BYTES = CREDENTIAL_MAX_BYTES;
  public static final int REFRESH_TOKEN_MAX_BYTES = 128;
  /** Usernames one resolve request may name. */
  public static final int RESOLVE_MAX = 10_000;

  private AuthLimits() {
  }
}
