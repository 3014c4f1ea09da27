package io.parley.rooms;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The public room every user of a tenant joins on registering ({@code tenants.general_room}: its name;
 * empty, none). Its id is derived from the tenant, so that when a tenant's first users register at the
 * same moment on different instances, the store's duplicate-key check on {@code _id} lets exactly one
 * of them create it and the others find it: no lookup that could race, no index beyond {@code _id}.
 */
record GeneralRoom(String name) {

  boolean configured() {
    return !name.isEmpty();
  }

  /** A name-based (version 3) UUID of the tenant: shaped like every other conversation id, the same on every node. */
  String id(String tenant) {
    return UUID.nameUUIDFromBytes(("parley.general-room:" + tenant).getBytes(StandardCharsets.UTF_8)).toString();
  }
}
