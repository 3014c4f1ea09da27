package io.parley.rooms.api;

import java.util.List;
import java.util.Set;

/**
 * Whether a tenant's members see each other's delivered and read positions ({@code tenants.receipts},
 * {@code tenants.receipts_off}). Positions are kept either way: a member's own unread counts need them.
 */
public record ReceiptSettings(boolean byDefault, Set<String> off) {

  public static ReceiptSettings of(boolean byDefault, List<String> off) {
    return new ReceiptSettings(byDefault, Set.copyOf(off));
  }

  public boolean on(String tenant) {
    return byDefault && !off.contains(tenant);
  }
}
