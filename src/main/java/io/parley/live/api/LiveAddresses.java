package io.parley.live.api;

import java.util.Set;

/**
 * Bridge addresses of live signals: answered by the gateway that holds the connection (they concern the
 * connection itself), never stored, never forwarded to another concern.
 */
public final class LiveAddresses {

  /** {@link TypingSignal} → {} (or {dropped: true} when throttled): members get {@code typing} events. */
  public static final String TYPING = "parley.live.typing";
  /** {@link PresenceQuery} → {presence: {userId: {state, lastSeenAt}}}: only users sharing a conversation with the caller. */
  public static final String PRESENCE = "parley.live.presence";
  /** {away: true|false} → {state}: the caller's own choice, for every connection of theirs. */
  public static final String AWAY = "parley.live.away";

  public static final Set<String> REQUESTS = Set.of(TYPING, PRESENCE, AWAY);

  private LiveAddresses() {
  }
}
