package io.parley.gateway.receipts;

import io.parley.common.Caller;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway's pending delivered positions: the highest seq per user and conversation, never more entries than the cap. */
class PendingDeliveriesTest {

  private static final Caller ALICE = new Caller("acme", "u-alice", "alice");
  private static final Caller BOB = new Caller("acme", "u-bob", "bob");
  private static final Caller OTHER_BOB = new Caller("globex", "u-bob", "bob");

  @Test
  void each_user_and_conversation_keeps_its_highest_seq_and_each_user_is_one_batch() {
    PendingDeliveries pending = new PendingDeliveries(100);
    for (long seq : new long[] {5, 3, 9, 7}) {
      assertTrue(pending.note(BOB, "c1", seq));
    }
    pending.note(BOB, "c2", 2);
    pending.note(ALICE, "c1", 4);
    pending.note(OTHER_BOB, "c1", 1);
    assertEquals(4, pending.size());

    Map<Caller, Map<String, Long>> batches = pending.drain().stream()
      .collect(Collectors.toMap(PendingDeliveries.Batch::caller, PendingDeliveries.Batch::positions));
    assertEquals(Map.of(BOB, Map.of("c1", 9L, "c2", 2L), ALICE, Map.of("c1", 4L), OTHER_BOB, Map.of("c1", 1L)), batches,
      "one batch per user (the same user id in another tenant is another user)");
    assertEquals(0, pending.size());
    assertEquals(List.of(), pending.drain(), "drained means empty");
  }

  @Test
  void past_the_cap_new_entries_are_refused_while_known_ones_still_move_forward() {
    PendingDeliveries pending = new PendingDeliveries(3);
    assertTrue(pending.note(BOB, "c1", 1));
    assertTrue(pending.note(BOB, "c2", 1));
    assertTrue(pending.note(ALICE, "c1", 1));
    for (int i = 0; i < 1000; i++) {
      assertFalse(pending.note(ALICE, "other-" + i, 1), "a new entry past the cap");
      assertFalse(pending.note(new Caller("acme", "u-" + i, "n" + i), "c1", 1), "a new user past the cap");
      assertEquals(3, pending.size(), "memory stays bounded");
    }
    assertTrue(pending.note(BOB, "c1", 42), "a known entry takes the higher seq without growing");
    assertEquals(3, pending.size());
    List<PendingDeliveries.Batch> drained = pending.drain();
    assertEquals(Map.of("c1", 42L, "c2", 1L), drained.stream().filter(b -> b.caller().equals(BOB)).findFirst().orElseThrow().positions());
    assertTrue(pending.note(ALICE, "other-0", 1), "room again once drained");
  }
}
