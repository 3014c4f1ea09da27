package io.parley.rooms;

import io.parley.testing.ParleyNodeExtension;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.parley.testing.ApiAssertions.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rooms, DMs and group DMs over REST: creation, joining, leaving, inviting, read positions (live membership: LiveMembershipTest). */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ConversationsTest {

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  // ---------------------------------------------------------------------------------------------
  // Public rooms

  @Test
  void public_room_can_be_created_joined_idempotently_listed_and_left(VertxTestContext ctx) {
    node.rest().users("acme", "alice", "bob").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      String bob = u.get("bob").getString("accessToken");
      String bobId = u.get("bob").getString("userId");
      return node.rest().createConversation(alice, new JsonObject().put("type", "room").put("name", "general")).compose(room -> {
        String id = room.getString("id");
        ctx.verify(() -> {
          assertNotNull(id);
          assertEquals("room", room.getString("type"));
          assertEquals("public", room.getString("visibility"));
          assertEquals("general", room.getString("name"));
          assertEquals(u.get("alice").getString("userId"), room.getString("createdBy"));
        });
        return node.rest().post("/conversations/" + id + "/join", bob, new JsonObject())
          .map(response -> {
            ctx.verify(() -> assertTrue(response.statusCode() >= 200 && response.statusCode() < 300,
              "join answered " + response.statusCode() + " " + response.bodyAsString()));
            return response;
          })
          .compose(v -> members(alice, id))
          .compose(members -> {
            ctx.verify(() -> {
              assertEquals(2, members.size(), "members after join: " + members);
              assertEquals("owner", member(members, u.get("alice").getString("userId")).getString("role"));
              JsonObject bobMember = member(members, bobId);
              assertNotNull(bobMember, "bob is listed as a member: " + members);
              assertEquals("member", bobMember.getString("role"));
              assertEquals("bob", bobMember.getString("username"));
            });
            // Joining again changes nothing.
            return node.rest().expect(200, "/conversations/" + id + "/join", bob, new JsonObject());
          })
          .compose(again -> {
            ctx.verify(() -> {
              assertEquals(id, again.getString("id"));
              assertEquals("member", again.getString("role"), "a repeated join must not change the role: " + again);
            });
            return members(alice, id);
          })
          .compose(members -> {
            ctx.verify(() -> assertEquals(2, members.size(), "join is idempotent: " + members));
            return Future.all(list(bob), list(alice));
          })
          .compose(lists -> {
            JsonObject bobsView = find(lists.resultAt(0), id);
            JsonObject alicesView = find(lists.resultAt(1), id);
            ctx.verify(() -> {
              assertNotNull(bobsView, "the room is in bob's list");
              assertEquals("member", bobsView.getString("role"));
              assertEquals(0L, bobsView.getLong("readSeq"));
              assertEquals(0L, bobsView.getLong("unread"));
              assertEquals("room", bobsView.getString("type"));
              assertNotNull(alicesView, "the room is in alice's list");
              assertEquals("owner", alicesView.getString("role"));
            });
            return node.rest().post("/conversations/" + id + "/leave", bob, new JsonObject());
          })
          .compose(left -> {
            ctx.verify(() -> {
              assertEquals(204, left.statusCode(), "leave: " + left.bodyAsString());
              assertTrue(left.body() == null || left.body().length() == 0);
            });
            return list(bob);
          })
          .compose(bobsList -> {
            ctx.verify(() -> assertNull(find(bobsList, id), "the room left the list after leaving"));
            return node.rest().post("/conversations/" + id + "/messages", bob, new JsonObject().put("clientMsgId", "b-1").put("text", "hi"));
          })
          .compose(send -> {
            ctx.verify(() -> assertError(send, 403, "NOT_A_MEMBER"));
            return members(alice, id);
          })
          .map(members -> {
            ctx.verify(() -> {
              assertEquals(1, members.size(), "only alice remains: " + members);
              assertNull(member(members, bobId));
            });
            return null;
          })
          // The public room itself is still visible to bob, and still listed publicly.
          .compose(v -> node.rest().expectGet(200, "/conversations/" + id, bob))
          .compose(v -> node.rest().expectGet(200, "/conversations?scope=public", bob))
          .map(pub -> {
            ctx.verify(() -> assertNotNull(find(pub, id)));
            return null;
          });
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  // ---------------------------------------------------------------------------------------------
  // Private rooms

  @Test
  void private_room_is_hidden_from_non_members_until_they_are_invited(VertxTestContext ctx) {
    node.rest().users("acme", "alice", "bob").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      String bob = u.get("bob").getString("accessToken");
      return node.rest().createConversation(alice, new JsonObject().put("type", "room").put("name", "secret").put("visibility", "private"))
        .compose(room -> {
          String id = room.getString("id");
          String base = "/conversations/" + id;
          ctx.verify(() -> assertEquals("private", room.getString("visibility")));
          return Future.all(List.of(
              node.rest().post(base + "/join", bob, new JsonObject()),
              node.rest().get(base, bob),
              node.rest().get(base + "/members", bob),
              node.rest().get(base + "/messages", bob),
              node.rest().post(base + "/messages", bob, new JsonObject().put("clientMsgId", "b-0").put("text", "knock")),
              node.rest().post(base + "/read", bob, new JsonObject().put("seq", 0)),
              node.rest().post(base + "/invite", bob, new JsonObject().put("members", new JsonArray().add("bob"))),
              node.rest().post(base + "/leave", bob, new JsonObject())))
            .compose(answers -> {
              ctx.verify(() -> {
                for (int i = 0; i < answers.size(); i++) {
                  assertError(answers.resultAt(i), 404, "CONVERSATION_NOT_FOUND");
                }
              });
              return node.rest().expectGet(200, "/conversations?scope=public", bob);
            })
            .compose(pub -> {
              ctx.verify(() -> assertNull(find(pub, id), "a private room is not listed publicly"));
              return node.rest().expect(200, base + "/invite", alice, new JsonObject().put("members", new JsonArray().add("bob")));
            })
            .compose(invited -> {
              ctx.verify(() -> assertEquals(new JsonArray().add(u.get("bob").getString("userId")), invited.getJsonArray("added")));
              return node.rest().expectGet(200, base, bob);
            })
            .compose(seen -> {
              ctx.verify(() -> assertEquals(id, seen.getString("id")));
              return node.rest().send(alice, id, "a-1", "welcome");
            })
            .compose(v -> node.rest().send(bob, id, "b-1", "thanks"))
            .compose(sent -> {
              ctx.verify(() -> assertEquals(2L, sent.getLong("seq")));
              return Future.all(node.rest().history(bob, id, ""), node.rest().history(alice, id, ""));
            })
            .map(histories -> {
              ctx.verify(() -> {
                for (int i = 0; i < 2; i++) {
                  JsonArray messages = ((JsonObject) histories.resultAt(i)).getJsonArray("messages");
                  assertEquals(List.of("welcome", "thanks"), texts(messages));
                }
              });
              return null;
            })
            // Inviting someone already in changes nothing.
            .compose(v -> node.rest().expect(200, base + "/invite", alice, new JsonObject().put("members", new JsonArray().add("bob"))))
            .compose(again -> {
              ctx.verify(() -> assertEquals(new JsonArray(), again.getJsonArray("added")));
              return members(alice, id);
            })
            .map(members -> {
              ctx.verify(() -> assertEquals(2, members.size()));
              return null;
            });
        });
    }).onComplete(ctx.succeedingThenComplete());
  }

  // ---------------------------------------------------------------------------------------------
  // DMs and group DMs

  @Test
  void a_pair_has_exactly_one_dm_whoever_creates_it(VertxTestContext ctx) {
    node.rest().users("acme", "alice", "bob", "carol").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      String bob = u.get("bob").getString("accessToken");
      JsonObject withBob = new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob"));
      return node.rest().createConversation(alice, withBob.copy())
        .compose(first -> node.rest().createConversation(alice, withBob.copy())
          .compose(second -> node.rest().createConversation(bob, new JsonObject().put("type", "dm").put("members", new JsonArray().add("alice"))))
          .compose(third -> node.rest().createConversation(alice, new JsonObject().put("type", "dm").put("members", new JsonArray().add("BOB")))
            .map(fourth -> List.of(first, third, fourth)))
          .compose(all -> node.rest().createConversation(alice, new JsonObject().put("type", "dm").put("members", new JsonArray().add("carol")))
            .compose(withCarol -> members(bob, first.getString("id")).map(members -> {
              ctx.verify(() -> {
                String id = first.getString("id");
                for (JsonObject dm : all) {
                  assertEquals(id, dm.getString("id"), "same DM id for the same pair");
                  assertEquals("dm", dm.getString("type"));
                  assertEquals("private", dm.getString("visibility"));
                }
                assertFalse(id.equals(withCarol.getString("id")), "a different pair gets a different DM");
                assertEquals(Set.of(u.get("alice").getString("userId"), u.get("bob").getString("userId")), userIds(members));
                Set<String> dmUsers = first.getJsonArray("dmUsers").stream()
                  .map(o -> ((JsonObject) o).getString("username")).collect(Collectors.toSet());
                assertEquals(Set.of("alice", "bob"), dmUsers);
              });
              return null;
            }))));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void concurrent_dm_creations_between_one_pair_yield_one_dm(VertxTestContext ctx) {
    node.rest().users("acme", "alice", "bob").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      String bob = u.get("bob").getString("accessToken");
      List<Future<HttpResponse<Buffer>>> creations = IntStream.range(0, 10).mapToObj(i -> i % 2 == 0
          ? node.rest().post("/conversations", alice, new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob")))
          : node.rest().post("/conversations", bob, new JsonObject().put("type", "dm").put("members", new JsonArray().add("alice"))))
        .toList();
      return Future.join(creations).transform(ar -> {
        List<String> ids = new ArrayList<>();
        ctx.verify(() -> {
          for (Future<HttpResponse<Buffer>> creation : creations) {
            assertTrue(creation.succeeded(), "request failed: " + creation.cause());
            HttpResponse<Buffer> response = creation.result();
            assertEquals(201, response.statusCode(), "concurrent DM creation: " + response.bodyAsString());
            ids.add(response.bodyAsJsonObject().getString("id"));
          }
          assertEquals(1, Set.copyOf(ids).size(), "all concurrent creations return one id: " + ids);
        });
        String id = ids.get(0);
        return Future.all(list(alice), list(bob), members(alice, id)).map(all -> {
          ctx.verify(() -> {
            for (int i = 0; i < 2; i++) {
              JsonArray dms = new JsonArray(((JsonObject) all.resultAt(i)).getJsonArray("conversations").stream()
                .filter(c -> "dm".equals(((JsonObject) c).getString("type"))).toList());
              assertEquals(1, dms.size(), "exactly one DM listed: " + dms);
              assertEquals(id, dms.getJsonObject(0).getString("id"));
            }
            JsonArray members = all.resultAt(2);
            assertEquals(2, members.size(), "exactly two memberships: " + members);
          });
          return null;
        });
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void dm_rules_are_enforced(VertxTestContext ctx) {
    node.rest().users("acme", "alice", "bob", "carol").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      String bob = u.get("bob").getString("accessToken");
      return Future.all(List.of(
          node.rest().post("/conversations", alice, new JsonObject().put("type", "dm").put("members", new JsonArray())),
          node.rest().post("/conversations", alice, new JsonObject().put("type", "dm")),
          node.rest().post("/conversations", alice, new JsonObject().put("type", "dm").put("members", new JsonArray().add("alice"))),
          node.rest().post("/conversations", alice, new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob").add("carol")))))
        .compose(invalid -> {
          ctx.verify(() -> {
            for (int i = 0; i < invalid.size(); i++) {
              assertError(invalid.resultAt(i), 400, "VALIDATION_FAILED");
            }
          });
          return node.rest().createConversation(alice, new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob")));
        })
        .compose(dm -> {
          String base = "/conversations/" + dm.getString("id");
          return Future.all(
              node.rest().post(base + "/leave", alice, new JsonObject()),
              node.rest().post(base + "/leave", bob, new JsonObject()),
              node.rest().post(base + "/invite", alice, new JsonObject().put("members", new JsonArray().add("carol"))))
            .compose(answers -> {
              ctx.verify(() -> {
                assertError(answers.resultAt(0), 409, "CANNOT_LEAVE_DM");
                assertError(answers.resultAt(1), 409, "CANNOT_LEAVE_DM");
                assertError(answers.resultAt(2), 409, "CANNOT_INVITE_TO_DM");
              });
              return members(alice, dm.getString("id"));
            })
            .compose(members -> {
              ctx.verify(() -> assertEquals(Set.of(u.get("alice").getString("userId"), u.get("bob").getString("userId")), userIds(members)));
              // Nobody can join a DM either.
              return node.rest().post(base + "/join", u.get("carol").getString("accessToken"), new JsonObject());
            })
            .map(join -> {
              ctx.verify(() -> assertError(join, 404, "CONVERSATION_NOT_FOUND"));
              return null;
            });
        });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void group_dm_has_everyone_named_as_members(VertxTestContext ctx) {
    node.rest().users("acme", "alice", "bob", "carol", "dave").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      return node.rest().createConversation(alice, new JsonObject().put("type", "group").put("name", "lunch")
          .put("members", new JsonArray().add("bob").add("carol")))
        .compose(group -> {
          String id = group.getString("id");
          ctx.verify(() -> {
            assertEquals("group", group.getString("type"));
            assertEquals("private", group.getString("visibility"));
          });
          return Future.all(List.of(
              members(alice, id),
              list(u.get("bob").getString("accessToken")),
              list(u.get("carol").getString("accessToken")),
              node.rest().get("/conversations/" + id, u.get("dave").getString("accessToken")),
              node.rest().send(u.get("carol").getString("accessToken"), id, "c-1", "pizza?")))
            .map(all -> {
              ctx.verify(() -> {
                assertEquals(Set.of(u.get("alice").getString("userId"), u.get("bob").getString("userId"),
                  u.get("carol").getString("userId")), userIds(all.resultAt(0)));
                assertNotNull(find(all.resultAt(1), id), "bob lists the group");
                assertNotNull(find(all.resultAt(2), id), "carol lists the group");
                assertError(all.resultAt(3), 404, "CONVERSATION_NOT_FOUND");
              });
              return null;
            });
        })
        // A group with nobody else is not a group.
        .compose(v -> node.rest().post("/conversations", alice, new JsonObject().put("type", "group").put("members", new JsonArray())))
        .map(empty -> {
          ctx.verify(() -> assertError(empty, 400, "VALIDATION_FAILED"));
          return null;
        });
    }).onComplete(ctx.succeedingThenComplete());
  }

  // ---------------------------------------------------------------------------------------------
  // Read positions and unread counts

  @Test
  void unread_counts_follow_the_read_position_which_only_moves_forward_and_is_clamped(VertxTestContext ctx) {
    node.rest().users("acme", "alice", "bob").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      String bob = u.get("bob").getString("accessToken");
      return node.rest().createConversation(alice, new JsonObject().put("type", "room").put("name", "news")
          .put("members", new JsonArray().add("bob")))
        .compose(room -> {
          String id = room.getString("id");
          String read = "/conversations/" + id + "/read";
          Future<JsonObject> sends = Future.succeededFuture();
          for (int i = 1; i <= 5; i++) {
            int n = i;
            sends = sends.compose(v -> node.rest().send(alice, id, "a-" + n, "message " + n));
          }
          return sends
            .compose(v -> list(bob))
            .compose(bobsList -> {
              JsonObject view = find(bobsList, id);
              ctx.verify(() -> {
                assertEquals(5L, view.getLong("lastSeq"));
                assertEquals(0L, view.getLong("readSeq"));
                assertEquals(5L, view.getLong("unread"));
              });
              return node.rest().expect(200, read, bob, new JsonObject().put("seq", 3));
            })
            .compose(answer -> {
              ctx.verify(() -> {
                assertEquals(3L, answer.getLong("readSeq"));
                assertEquals(2L, answer.getLong("unread"));
              });
              return list(bob);
            })
            .compose(bobsList -> {
              JsonObject view = find(bobsList, id);
              ctx.verify(() -> {
                assertEquals(3L, view.getLong("readSeq"));
                assertEquals(2L, view.getLong("unread"));
              });
              return node.rest().expect(200, read, bob, new JsonObject().put("seq", 1));
            })
            .compose(backwards -> {
              ctx.verify(() -> {
                assertEquals(3L, backwards.getLong("readSeq"), "the read position never moves backwards");
                assertEquals(2L, backwards.getLong("unread"));
              });
              return list(bob);
            })
            .compose(bobsList -> {
              ctx.verify(() -> assertEquals(3L, find(bobsList, id).getLong("readSeq")));
              return node.rest().expect(200, read, bob, new JsonObject().put("seq", 1000));
            })
            .compose(beyond -> {
              ctx.verify(() -> {
                assertEquals(5L, beyond.getLong("readSeq"), "a position beyond lastSeq is clamped to lastSeq");
                assertEquals(0L, beyond.getLong("unread"));
              });
              return Future.all(list(bob), members(alice, id));
            })
            .compose(both -> {
              JsonObject view = find(both.resultAt(0), id);
              ctx.verify(() -> {
                assertEquals(5L, view.getLong("readSeq"));
                assertEquals(0L, view.getLong("unread"));
                assertEquals(5L, member(both.resultAt(1), u.get("bob").getString("userId")).getLong("readSeq"));
              });
              // A clamped position still lets the next message count as unread.
              return node.rest().send(alice, id, "a-6", "message 6").compose(v -> list(bob));
            })
            .map(bobsList -> {
              JsonObject view = find(bobsList, id);
              ctx.verify(() -> {
                assertEquals(6L, view.getLong("lastSeq"));
                assertEquals(5L, view.getLong("readSeq"));
                assertEquals(1L, view.getLong("unread"));
              });
              return null;
            })
            // seq is required and must be a non-negative integer.
            .compose(v -> Future.all(
              node.rest().post(read, bob, new JsonObject()),
              node.rest().post(read, bob, new JsonObject().put("seq", -1)),
              node.rest().post(read, bob, new JsonObject().put("seq", "3"))))
            .map(invalid -> {
              ctx.verify(() -> {
                for (int i = 0; i < invalid.size(); i++) {
                  assertError(invalid.resultAt(i), 400, "VALIDATION_FAILED");
                }
              });
              return null;
            });
        });
    }).onComplete(ctx.succeedingThenComplete());
  }

  // ---------------------------------------------------------------------------------------------
  // Live membership over the bridge

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private Future<JsonArray> members(String token, String id) {
    return node.rest().expectGet(200, "/conversations/" + id + "/members", token).map(body -> body.getJsonArray("members"));
  }

  private Future<JsonObject> list(String token) {
    return node.rest().expectGet(200, "/conversations", token);
  }

  private static JsonObject find(JsonObject list, String id) {
    return list.getJsonArray("conversations").stream().map(JsonObject.class::cast)
      .filter(c -> id.equals(c.getString("id"))).findFirst().orElse(null);
  }

  private static JsonObject member(JsonArray members, String userId) {
    return members.stream().map(JsonObject.class::cast).filter(m -> userId.equals(m.getString("userId"))).findFirst().orElse(null);
  }

  private static Set<String> userIds(JsonArray members) {
    return members.stream().map(m -> ((JsonObject) m).getString("userId")).collect(Collectors.toSet());
  }

  private static List<String> texts(JsonArray messages) {
    return messages.stream().map(m -> ((JsonObject) m).getString("text")).toList();
  }
}
