package io.parley.gateway.bridge;

import io.parley.common.Caller;
import io.parley.delivery.api.DeliveryAddresses;
import io.parley.live.api.LiveAddresses;
import io.parley.rooms.api.RoomsAddresses;

import java.util.Set;

/** What a browser may name on the bridge: its own inbox to register, and the request addresses below. */
public final class ClientAddresses {

  /** Prefix of the per-user inbox; the full address is {@code parley.client.<tenant>.<userId>}. */
  public static final String INBOX_PREFIX = "parley.client.";

  /** Request/reply addresses a client may send to; everything else is refused. */
  public static final Set<String> REQUESTS = Set.of(
    DeliveryAddresses.SEND, DeliveryAddresses.HISTORY, DeliveryAddresses.SYNC, DeliveryAddresses.THREAD,
    DeliveryAddresses.EDIT, DeliveryAddresses.DELETE, DeliveryAddresses.REACT, DeliveryAddresses.UNREACT,
    RoomsAddresses.CREATE, RoomsAddresses.GET, RoomsAddresses.LIST, RoomsAddresses.PUBLIC,
    RoomsAddresses.JOIN, RoomsAddresses.LEAVE, RoomsAddresses.INVITE, RoomsAddresses.MEMBERS,
    RoomsAddresses.READ, RoomsAddresses.RECEIPTS, RoomsAddresses.MUTE,
    LiveAddresses.TYPING, LiveAddresses.PRESENCE, LiveAddresses.AWAY);

  private ClientAddresses() {
  }

  public static String inbox(Caller caller) {
    return INBOX_PREFIX + caller.tenant() + "." + caller.userId();
  }
}
