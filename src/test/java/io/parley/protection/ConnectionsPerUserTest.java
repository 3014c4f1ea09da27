package io.parley.protection;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfTwo;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.parley.testing.ApiAssertions.bridgeRefused;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One user holds at most {@code limits.connections_per_user} registered bridge connections on a node,
 * so a leaked or hostile client cannot pile up sockets and subscriptions under one account. Tried: a
 * third registration with a limit of two, another user meanwhile, and a registration after one closed.
 */
class ConnectionsPerUserTest {

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess().withMetrics()
    .with(new JsonObject().put("limits", new JsonObject().put("connections_per_user", 2)));

  @Test
  void a_registration_past_the_users_connections_is_refused_until_one_closes() throws Exception {
    RoomOfTwo room = await(RoomOfTwo.create(node.rest(), "sockets"));
    BridgeClient first = await(node.online(room.alice()));
    await(node.online(room.alice()));

    BridgeClient third = await(node.bridge());
    await(bridgeRefused(third.register(room.alice()), 111, "RATE_LIMITED"));
    await(node.online(room.bob()));
    assertEquals(1, node.metric("parley_rate_limited_total{kind=\"bridge_connections_per_user\""), 0.1);

    await(first.close());
    long deadline = System.currentTimeMillis() + 5_000;
    while (true) {
      try {
        await(node.online(room.alice()));
        break;
      } catch (Exception refusedWhileTheCloseIsSeen) {
        if (System.currentTimeMillis() > deadline) {
          throw refusedWhileTheCloseIsSeen;
        }
        Thread.sleep(50);
      }
    }
  }
}
