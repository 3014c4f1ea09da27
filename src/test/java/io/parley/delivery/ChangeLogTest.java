package io.parley.delivery;

import io.parley.common.Caller;
import io.parley.delivery.api.DeliveryError;
import io.parley.delivery.api.MessageRef;
import io.parley.testing.EmbeddedStore;
import io.parley.testing.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static io.parley.testing.ApiAssertions.assertFailsWith;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules and the arbitration of edits and deletes in the change log, on a real embedded store. */
class ChangeLogTest {

  /** These messages carry no attachments: the change log must never ask for their removal. */
  private static final MessageFiles NO_FILES = new MessageFiles() {
    @Override public io.vertx.core.Future<java.util.List<io.parley.attachments.api.Attachment>> claim(
      io.parley.common.Caller sender, io.parley.attachments.api.ClaimAttachments claim) { throw new AssertionError("no attachments here"); }
    @Override public io.vertx.core.Future<Void> discard(io.parley.common.Caller actor, java.util.List<String> ids) {
      throw new AssertionError("no attachments here");
    }
  };

  /** A message with nothing but its text: no thread, no mentions. */
  private static final JsonObject PLAIN = new JsonObject();

  @RegisterExtension
  final EmbeddedStore store = new EmbeddedStore();

  private final MutableClock clock = MutableClock.now();
  private final Caller alice = new Caller("acme", "u-alice", "alice");
  private final Caller bob = new Caller("acme", "u-bob", "bob");
  private final Caller eve = new Caller("globex", "u-eve", "eve");
  private MessageLog messages;
  private ChangeLog changes;

  @BeforeEach
  void logs() throws Exception {
    messages = new MessageLog(store.mongo(), clock);
    changes = new ChangeLog(store.mongo(), messages, NO_FILES, clock);
    await(messages.ensureIndexes());
    await(changes.ensureIndexes());
  }

  @Test
  void an_edit_rewrites_the_message_in_place_and_takes_the_next_change_seq() throws Exception {
    await(messages.append(alice, "c1", "m-1", "hello", PLAIN, 0));
    await(messages.append(alice, "c1", "m-2", "second", PLAIN, 0));
    clock.advance(Duration.ofSeconds(5));

    ChangeLog.Changed first = await(changes.edit(alice, ref(1), "hello, edited", "e-1"));
    ChangeLog.Changed second = await(changes.edit(alice, ref(2), "second, edited", null));

    assertEquals(1L, first.change().getLong("changeSeq"));
    assertEquals(2L, second.change().getLong("changeSeq"));
    assertEquals("hello, edited", first.message().getString("text"));
    assertEquals(clock.millis(), first.message().getLong("editedAt"));
    List<JsonObject> page = await(messages.page("acme", "c1", 0, -1, 10, 0));
    assertEquals(List.of("hello, edited", "second, edited"), page.stream().map(m -> m.getString("text")).toList());
    assertEquals(List.of(1L, 2L), seqs(await(messages.page("acme", "c1", 0, -1, 10, 0))), "edits are not messages");
    assertEquals(List.of(1L, 2L), changeSeqs(await(changes.page("acme", "c1", 0, 10))));
    assertEquals(List.of(2L), changeSeqs(await(changes.page("acme", "c1", 1, 10))));
    assertEquals(List.of(), changeSeqs(await(changes.page("globex", "c1", 0, 10))), "the tenant is part of every lookup");

    MessageLog.Appended resent = await(messages.append(alice, "c1", "m-1", "hello", PLAIN, 0));
    assertTrue(resent.duplicate(), "a resend of the original send is still the same message");
    assertEquals(1L, resent.message().getLong("seq"));
    assertFailsWith(DeliveryError.CLIENT_MSG_ID_REUSED, () -> messages.append(alice, "c1", "m-1", "hello, edited", PLAIN, 0));
  }

  @Test
  void only_the_author_edits_and_the_author_or_the_owner_deletes() throws Exception {
    await(messages.append(alice, "c1", "m-1", "alice's", PLAIN, 0));
    JsonObject before = stored(1);

    assertFailsWith(DeliveryError.NOT_MESSAGE_AUTHOR, () -> changes.edit(bob, ref(1), "bob was here", "b-1"));
    assertFailsWith(DeliveryError.NOT_MESSAGE_AUTHOR, () -> changes.delete(bob, ref(1), "b-2", false));
    assertFailsWith(DeliveryError.MESSAGE_NOT_FOUND, () -> changes.edit(alice, ref(7), "no such seq", "a-1"));
    assertFailsWith(DeliveryError.MESSAGE_NOT_FOUND, () -> changes.edit(new Caller("globex", alice.userId(), "alice"), ref(1), "x", "g-1"));
    assertFailsWith(DeliveryError.MESSAGE_NOT_FOUND, () -> changes.delete(eve, ref(1), "g-2", true));
    assertEquals(before, stored(1), "nothing changed");
    assertEquals(0L, await(store.mongo().count(ChangeStore.CHANGES, new JsonObject())));

    ChangeLog.Changed deleted = await(changes.delete(bob, ref(1), "b-3", true));
    assertTrue(deleted.message().getBoolean("deleted"));
    assertFailsWith(DeliveryError.MESSAGE_DELETED, () -> changes.edit(alice, ref(1), "too late", "a-2"));
    ChangeLog.Changed again = await(changes.delete(alice, ref(1), "a-3", false));
    assertNull(again.change(), "deleting a tombstone changes nothing");
    assertEquals(1L, await(store.mongo().count(ChangeStore.CHANGES, new JsonObject())));
  }

  @Test
  void a_delete_removes_the_text_from_storage_and_resends_answer_the_tombstone() throws Exception {
    await(messages.append(alice, "c1", "m-1", "secret v1", PLAIN, 0));
    await(changes.edit(alice, ref(1), "secret v2", "e-1"));
    await(changes.edit(alice, ref(1), "secret v3", "e-2"));
    ChangeLog.Changed deleted = await(changes.delete(alice, ref(1), "d-1", false));

    assertEquals(3L, deleted.change().getLong("changeSeq"));
    JsonObject message = stored(1);
    assertTrue(message.getBoolean("deleted"));
    for (JsonObject document : everything()) {
      assertFalse(document.encode().contains("secret"), "no text left in storage: " + document.encode());
    }
    assertEquals(3L, message.getLong("rev"));

    assertTrue(await(messages.append(alice, "c1", "m-1", "secret v1", PLAIN, 0)).duplicate(), "the send's resend is the tombstone");
    ChangeLog.Changed resentEdit = await(changes.edit(alice, ref(1), "secret v2", "e-1"));
    assertTrue(resentEdit.duplicate());
    assertTrue(resentEdit.message().getBoolean("deleted"), "answered with the message as it is now");
    ChangeLog.Changed resentDelete = await(changes.delete(alice, ref(1), "d-1", false));
    assertTrue(resentDelete.duplicate());
    assertEquals(3L, resentDelete.change().getLong("changeSeq"));
    assertEquals(3L, await(store.mongo().count(ChangeStore.CHANGES, new JsonObject())), "no change stored twice");
  }

  @Test
  void a_resent_change_id_is_the_same_change_and_a_different_one_is_refused() throws Exception {
    await(messages.append(alice, "c1", "m-1", "one", PLAIN, 0));
    await(messages.append(alice, "c1", "m-2", "two", PLAIN, 0));
    ChangeLog.Changed first = await(changes.edit(alice, ref(1), "one!", "e-1"));
    ChangeLog.Changed again = await(changes.edit(alice, ref(1), "one!", "e-1"));

    assertFalse(first.duplicate());
    assertTrue(again.duplicate());
    assertEquals(first.change().getLong("changeSeq"), again.change().getLong("changeSeq"));
    assertEquals(first.message().getString("text"), again.message().getString("text"));
    JsonObject before = stored(1);
    assertFailsWith(DeliveryError.CLIENT_CHANGE_ID_REUSED, () -> changes.edit(alice, ref(1), "one?", "e-1"));
    assertFailsWith(DeliveryError.CLIENT_CHANGE_ID_REUSED, () -> changes.edit(alice, ref(2), "one!", "e-1"));
    assertFailsWith(DeliveryError.CLIENT_CHANGE_ID_REUSED, () -> changes.delete(alice, ref(1), "e-1", false));
    assertEquals(before, stored(1));
    assertEquals("two", stored(2).getString("text"));
    assertEquals(1L, await(store.mongo().count(ChangeStore.CHANGES, new JsonObject())));
  }

  /**
   * Two change logs stand for two nodes with no queue between them: every change is started before any
   * completes, so they race for the same changeSeqs (and, on one message, for its revisions).
   */
  @Test
  void concurrent_writers_get_gap_free_change_seqs_and_the_last_revision_stands() throws Exception {
    int count = 10;
    for (int i = 1; i <= count + 1; i++) {
      await(messages.append(alice, "c1", "m-" + i, "text " + i, PLAIN, 0));
    }
    MessageLog otherMessages = new MessageLog(store.mongo(), clock);
    ChangeLog nodeA = changes;
    ChangeLog nodeB = new ChangeLog(store.mongo(), otherMessages, NO_FILES, clock);
    List<Future<ChangeLog.Changed>> all = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      all.add(nodeA.edit(alice, ref(i), "a " + i, "a-" + i));
      all.add(nodeB.edit(alice, ref(count + 1), "b " + i, "b-" + i));
    }
    await(Future.all(all));

    List<JsonObject> logged = await(changes.page("acme", "c1", 0, 100));
    assertEquals(LongStream.rangeClosed(1, 2L * count).boxed().toList(), changeSeqs(logged));
    List<JsonObject> ofShared = logged.stream().filter(c -> c.getLong("seq") == count + 1).toList();
    assertEquals(LongStream.rangeClosed(1, count).boxed().toList(), ofShared.stream().map(c -> c.getLong("rev")).sorted().toList(),
      "one change per revision of the shared message");
    JsonObject last = ofShared.stream().max((x, y) -> Long.compare(x.getLong("rev"), y.getLong("rev"))).orElseThrow();
    JsonObject shared = stored(count + 1);
    assertEquals(last.getString("text"), shared.getString("text"), "the message shows its last revision");
    assertEquals((long) count, shared.getLong("rev"));
    for (int i = 1; i <= count; i++) {
      assertEquals("a " + i, stored(i).getString("text"));
    }
  }

  /** A writer that died after logging its change but before rewriting the message: the next change rolls it forward. */
  @Test
  void a_logged_change_that_never_reached_its_message_is_rolled_forward() throws Exception {
    await(messages.append(alice, "c1", "m-1", "original", PLAIN, 0));
    await(store.mongo().insert(ChangeStore.CHANGES, new JsonObject().put("_id", "c1:1").put("tenant", "acme")
      .put("conversationId", "c1").put("changeSeq", 1L).put("messageId", "c1:1").put("seq", 1L).put("rev", 1L)
      .put("kind", ChangeEffects.EDITED).put("actorId", alice.userId()).put("clientChangeId", "lost").put("text", "logged")
      .put("at", clock.millis())));

    ChangeLog fresh = new ChangeLog(store.mongo(), new MessageLog(store.mongo(), clock), NO_FILES, clock);
    ChangeLog.Changed next = await(fresh.edit(alice, ref(1), "next", "e-2"));

    assertEquals(2L, next.change().getLong("changeSeq"));
    assertEquals(2L, next.change().getLong("rev"));
    assertEquals("next", stored(1).getString("text"));
    assertEquals("original", stored(1).getString("originalText"));
    ChangeLog.Changed resent = await(fresh.edit(alice, ref(1), "logged", "lost"));
    assertTrue(resent.duplicate());
    assertEquals("next", resent.message().getString("text"), "a resend answers the message as it is now");
  }

  /**
   * The race two instances can run: a writer reads the message, logs its change, and its rewrite reaches the
   * message only after a later revision's (here replayed by hand, so the order is certain). It must put the
   * later revision back, also when that one is a delete (no text may come back).
   */
  @Test
  void a_rewrite_that_lands_after_a_later_revision_puts_that_one_back() throws Exception {
    await(messages.append(alice, "c1", "m-1", "v0", PLAIN, 0));
    JsonObject atZero = stored(1);
    ChangeLog.Changed first = await(changes.edit(alice, ref(1), "v1", "e-1"));
    await(changes.edit(alice, ref(1), "v2", "e-2"));
    await(changes.applyTo(first.change(), atZero));
    assertEquals("v2", stored(1).getString("text"));
    assertEquals(2L, stored(1).getLong("rev"));

    await(messages.append(alice, "c1", "m-2", "w0", PLAIN, 0));
    JsonObject before = stored(2);
    ChangeLog.Changed edit = await(changes.edit(alice, ref(2), "w1 secret", "e-3"));
    await(changes.delete(alice, ref(2), "d-1", false));
    await(changes.applyTo(edit.change(), before));
    JsonObject message = stored(2);
    assertTrue(message.getBoolean("deleted"), message.encode());
    assertFalse(message.containsKey("text"), message.encode());
    for (JsonObject document : everything()) {
      assertFalse(document.encode().contains("w1 secret"), "no text left in storage: " + document.encode());
    }
  }

  /**
   * Both writers died before rewriting the message: an edit (whose text a delete then removed) and that
   * delete. The next change follows the revisions to the delete, puts it on the message, and is refused.
   */
  @Test
  void an_edit_whose_text_went_with_a_later_delete_rolls_forward_to_the_delete() throws Exception {
    await(messages.append(alice, "c1", "m-1", "original", PLAIN, 0));
    JsonObject base = new JsonObject().put("tenant", "acme").put("conversationId", "c1").put("messageId", "c1:1").put("seq", 1L)
      .put("actorId", alice.userId()).put("at", clock.millis());
    await(store.mongo().insert(ChangeStore.CHANGES, base.copy().put("_id", "c1:1").put("changeSeq", 1L).put("rev", 1L)
      .put("kind", ChangeEffects.EDITED).put("clientChangeId", "lost-edit")));
    await(store.mongo().insert(ChangeStore.CHANGES, base.copy().put("_id", "c1:2").put("changeSeq", 2L).put("rev", 2L)
      .put("kind", ChangeEffects.DELETED).put("clientChangeId", "lost-delete")));

    assertFailsWith(DeliveryError.MESSAGE_DELETED, () -> changes.edit(alice, ref(1), "new", "e-1"));
    JsonObject message = stored(1);
    assertTrue(message.getBoolean("deleted"), message.encode());
    assertFalse(message.containsKey("text"));
    assertEquals(2L, message.getLong("rev"));
  }

  private static MessageRef ref(long seq) {
    return new MessageRef("c1", seq);
  }

  private JsonObject stored(long seq) throws Exception {
    return await(store.mongo().findOne(MessageLog.MESSAGES, new JsonObject().put("_id", MessageLog.id("c1", seq)), null));
  }

  private List<JsonObject> everything() throws Exception {
    List<JsonObject> all = new ArrayList<>(await(store.mongo().find(MessageLog.MESSAGES, new JsonObject())));
    all.addAll(await(store.mongo().find(ChangeStore.CHANGES, new JsonObject())));
    return all;
  }

  private static List<Long> seqs(List<JsonObject> messages) {
    return messages.stream().map(m -> m.getLong("seq")).toList();
  }

  private static List<Long> changeSeqs(List<JsonObject> logged) {
    return logged.stream().map(c -> c.getLong("changeSeq")).toList();
  }
}
