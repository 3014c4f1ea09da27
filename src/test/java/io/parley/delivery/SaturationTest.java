package io.parley.delivery;

import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfTwo;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Past saturation every send is answered — stored (201) or refused at once (503) — and a resend stores it once. */
class SaturationTest {

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess()
    .with(new JsonObject().put("limits", new JsonObject().put("sends_in_flight", 2)));

  @Test
  void sends_beyond_the_in_flight_limit_are_refused_at_once_and_resends_store_them_once() throws Exception {
    RoomOfTwo room = await(RoomOfTwo.create(node.rest(), "busy"));
    String token = room.alice().getString("accessToken");
    int sends = 40;
    List<Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
    for (int i = 0; i < sends; i++) {
      burst.add(node.rest().post("/conversations/" + room.roomId() + "/messages", token,
        new JsonObject().put("clientMsgId", "m-" + i).put("text", "message " + i)));
    }
    await(Future.join(burst));
    List<Integer> refused = new ArrayList<>();
    for (int i = 0; i < sends; i++) {
      HttpResponse<Buffer> response = burst.get(i).result();
      if (response.statusCode() != 201) {
        assertError(response, 503, "SERVICE_UNAVAILABLE");
        refused.add(i);
      }
    }
    assertTrue(!refused.isEmpty(), "40 sends at once against a limit of 2 in flight: some are refused");

    for (int i : refused) {
      await(node.rest().send(token, room.roomId(), "m-" + i, "message " + i));
    }
    for (int i = 0; i < sends; i += 7) {
      await(node.rest().send(token, room.roomId(), "m-" + i, "message " + i));
    }
    List<Long> seqs = await(node.rest().history(token, room.roomId(), "after=0&limit=200")).getJsonArray("messages")
      .stream().map(m -> ((JsonObject) m).getLong("seq")).toList();
    assertEquals(LongStream.rangeClosed(1, sends).boxed().toList(), seqs, "each message stored once, no gaps");
  }
}
