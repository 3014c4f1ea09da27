package io.parley.live.api;

/** The states of a user's presence, as {@code presence} events and answers name them. */
public final class PresenceStates {

  /** Some connection of the user is active. */
  public static final String ONLINE = "online";
  /** Connected, but the user said so ({@code parley.live.away}) or every connection has been idle. */
  public static final String AWAY = "away";
  /** No connection anywhere; {@code lastSeenAt} says since when. */
  public static final String OFFLINE = "offline";

  private PresenceStates() {
  }
}
