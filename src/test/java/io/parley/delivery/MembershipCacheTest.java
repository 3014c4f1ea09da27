package io.parley.delivery;

import io.parley.rooms.api.Membership;
import io.parley.testing.MutableClock;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfTwo;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Delivery caches memberships, and a member who leaves cannot send a moment later all the same. */
class MembershipCacheTest {

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  @Test
  void a_member_who_left_is_refused_although_delivery_cached_the_membership() throws Exception {
    RoomOfTwo room = await(RoomOfTwo.create(node.rest(), "general"));
    String bob = room.bob().getString("accessToken");
    String id = room.roomId();
    await(node.rest().send(bob, id, "b-1", "cached now"));
    await(node.rest().send(bob, id, "b-2", "served from the cache"));
    await(node.rest().expect(204, "/conversations/" + id + "/leave", bob, new JsonObject()));

    // The room is public: a former member sees it but may not write to it.
    assertError(await(node.rest().post("/conversations/" + id + "/messages", bob,
      new JsonObject().put("clientMsgId", "b-3").put("text", "after leaving"))), 403, "NOT_A_MEMBER");
    assertEquals(2, await(node.rest().history(room.alice().getString("accessToken"), id, "")).getJsonArray("messages").size());
  }

  @Test
  void entries_expire_and_removals_and_gaps_drop_them() {
    MutableClock clock = MutableClock.now();
    MembershipCache cache = new MembershipCache(clock);
    Membership member = new Membership("member", 0, 0, "room", false);
    cache.put("acme", "c1", "u1", member);
    cache.put("acme", "c2", "u1", member);
    assertEquals(member, cache.get("acme", "c1", "u1"));
    assertNull(cache.get("globex", "c1", "u1"), "granted in one tenant only");

    cache.removed("c1", "u1");
    assertNull(cache.get("acme", "c1", "u1"));
    clock.advance(Duration.ofMillis(MembershipCache.TTL_MS + 1));
    assertNull(cache.get("acme", "c2", "u1"), "expired");
    cache.put("acme", "c3", "u1", member);
    cache.clear();
    assertEquals(0, cache.size());
  }
}
