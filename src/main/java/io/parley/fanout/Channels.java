package io.parley.fanout;

/** Channel names: one per conversation and one per user, both scoped by tenant, and one for the services. */
public final class Channels {

  private Channels() {
  }

  /** Events every member of a conversation receives: messages, read receipts, membership changes. */
  public static String conversation(String tenant, String conversationId) {
    return "conv." + tenant + "." + conversationId;
  }

  /** Events for one user on all their connections, e.g. "you were added to a conversation". */
  public static String user(String tenant, String userId) {
    return "user." + tenant + "." + userId;
  }

  /**
   * Membership removals, for services that cache memberships (never forwarded to clients): every
   * instance that caches drops the entry when a member leaves.
   */
  public static String membershipRemovals() {
    return "svc.membership.removed";
  }
}
