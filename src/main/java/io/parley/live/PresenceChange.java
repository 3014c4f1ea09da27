package io.parley.live;

/** A user's presence before and after one change; announced only when the two differ. */
record PresenceChange(String tenant, String userId, String username, String before, String after, long lastSeenAt) {

  boolean changed() {
    return !before.equals(after);
  }
}
