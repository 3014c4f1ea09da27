package io.parley.rooms;

import io.parley.testing.BridgeClient;
import io.parley.testing.Rest;
import io.parley.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rooms, DMs and group DMs: creation, joining, leaving, inviting, read positions, and live membership. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ConversationsTest {

  private TestNode node;
  private Rest rest;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    TestNode.start(vertx).onComplete(ctx.succeeding(started -> {
      node = started;
      rest = new Rest(vertx, node.port());
      ctx.completeNow();
    }));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    rest.close();
    node.stop().onComplete(ctx.succeedingThenComplete());
  }

  // ---------------------------------------------------------------------------------------------
  // Public rooms

  @Test
  void public_room_can_be_created_joined_idempotently_listed_and_left(VertxTestContext ctx) {
    users("alice", "bob").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      String bob = u.get("bob").getString("accessToken");
      String bobId = u.get("bob").getString("userId");
      return rest.createConversation(alice, new JsonObject().put("type", "room").put("name", "general")).compose(room -> {
        String id = room.getString("id");
        ctx.verify(() -> {
          assertNotNull(id);
          assertEquals("room", room.getString("type"));
          assertEquals("public", room.getString("visibility"));
          assertEquals("general", room.getString("name"));
          assertEquals(u.get("alice").getString("userId"), room.getString("createdBy"));
        });
        return rest.post("/conversations/" + id + "/join", bob, new JsonObject())
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
            return rest.expect(200, "/conversations/" + id + "/join", bob, new JsonObject());
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
            return rest.post("/conversations/" + id + "/leave", bob, new JsonObject());
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
            return rest.post("/conversations/" + id + "/messages", bob, new JsonObject().put("clientMsgId", "b-1").put("text", "hi"));
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
          .compose(v -> rest.expectGet(200, "/conversations/" + id, bob))
          .compose(v -> rest.expectGet(200, "/conversations?scope=public", bob))
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
    users("alice", "bob").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      String bob = u.get("bob").getString("accessToken");
      return rest.createConversation(alice, new JsonObject().put("type", "room").put("name", "secret").put("visibility", "private"))
        .compose(room -> {
          String id = room.getString("id");
          String base = "/conversations/" + id;
          ctx.verify(() -> assertEquals("private", room.getString("visibility")));
          return Future.all(List.of(
              rest.post(base + "/join", bob, new JsonObject()),
              rest.get(base, bob),
              rest.get(base + "/members", bob),
              rest.get(base + "/messages", bob),
              rest.post(base + "/messages", bob, new JsonObject().put("clientMsgId", "b-0").put("text", "knock")),
              rest.post(base + "/read", bob, new JsonObject().put("seq", 0)),
              rest.post(base + "/invite", bob, new JsonObject().put("members", new JsonArray().add("bob"))),
              rest.post(base + "/leave", bob, new JsonObject())))
            .compose(answers -> {
              ctx.verify(() -> {
                for (int i = 0; i < answers.size(); i++) {
                  assertError(answers.resultAt(i), 404, "CONVERSATION_NOT_FOUND");
                }
              });
              return rest.expectGet(200, "/conversations?scope=public", bob);
            })
            .compose(pub -> {
              ctx.verify(() -> assertNull(find(pub, id), "a private room is not listed publicly"));
              return rest.expect(200, base + "/invite", alice, new JsonObject().put("members", new JsonArray().add("bob")));
            })
            .compose(invited -> {
              ctx.verify(() -> assertEquals(new JsonArray().add(u.get("bob").getString("userId")), invited.getJsonArray("added")));
              return rest.expectGet(200, base, bob);
            })
            .compose(seen -> {
              ctx.verify(() -> assertEquals(id, seen.getString("id")));
              return rest.send(alice, id, "a-1", "welcome");
            })
            .compose(v -> rest.send(bob, id, "b-1", "thanks"))
            .compose(sent -> {
              ctx.verify(() -> assertEquals(2L, sent.getLong("seq")));
              return Future.all(rest.history(bob, id, ""), rest.history(alice, id, ""));
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
            .compose(v -> rest.expect(200, base + "/invite", alice, new JsonObject().put("members", new JsonArray().add("bob"))))
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
    users("alice", "bob", "carol").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      String bob = u.get("bob").getString("accessToken");
      JsonObject withBob = new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob"));
      return rest.createConversation(alice, withBob.copy())
        .compose(first -> rest.createConversation(alice, withBob.copy())
          .compose(second -> rest.createConversation(bob, new JsonObject().put("type", "dm").put("members", new JsonArray().add("alice"))))
          .compose(third -> rest.createConversation(alice, new JsonObject().put("type", "dm").put("members", new JsonArray().add("BOB")))
            .map(fourth -> List.of(first, third, fourth)))
          .compose(all -> rest.createConversation(alice, new JsonObject().put("type", "dm").put("members", new JsonArray().add("carol")))
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
    users("alice", "bob").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      String bob = u.get("bob").getString("accessToken");
      List<Future<HttpResponse<Buffer>>> creations = IntStream.range(0, 10).mapToObj(i -> i % 2 == 0
          ? rest.post("/conversations", alice, new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob")))
          : rest.post("/conversations", bob, new JsonObject().put("type", "dm").put("members", new JsonArray().add("alice"))))
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
    users("alice", "bob", "carol").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      String bob = u.get("bob").getString("accessToken");
      return Future.all(List.of(
          rest.post("/conversations", alice, new JsonObject().put("type", "dm").put("members", new JsonArray())),
          rest.post("/conversations", alice, new JsonObject().put("type", "dm")),
          rest.post("/conversations", alice, new JsonObject().put("type", "dm").put("members", new JsonArray().add("alice"))),
          rest.post("/conversations", alice, new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob").add("carol")))))
        .compose(invalid -> {
          ctx.verify(() -> {
            for (int i = 0; i < invalid.size(); i++) {
              assertError(invalid.resultAt(i), 400, "VALIDATION_FAILED");
            }
          });
          return rest.createConversation(alice, new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob")));
        })
        .compose(dm -> {
          String base = "/conversations/" + dm.getString("id");
          return Future.all(
              rest.post(base + "/leave", alice, new JsonObject()),
              rest.post(base + "/leave", bob, new JsonObject()),
              rest.post(base + "/invite", alice, new JsonObject().put("members", new JsonArray().add("carol"))))
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
              return rest.post(base + "/join", u.get("carol").getString("accessToken"), new JsonObject());
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
    users("alice", "bob", "carol", "dave").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      return rest.createConversation(alice, new JsonObject().put("type", "group").put("name", "lunch")
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
              rest.get("/conversations/" + id, u.get("dave").getString("accessToken")),
              rest.send(u.get("carol").getString("accessToken"), id, "c-1", "pizza?")))
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
        .compose(v -> rest.post("/conversations", alice, new JsonObject().put("type", "group").put("members", new JsonArray())))
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
    users("alice", "bob").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      String bob = u.get("bob").getString("accessToken");
      return rest.createConversation(alice, new JsonObject().put("type", "room").put("name", "news")
          .put("members", new JsonArray().add("bob")))
        .compose(room -> {
          String id = room.getString("id");
          String read = "/conversations/" + id + "/read";
          Future<JsonObject> sends = Future.succeededFuture();
          for (int i = 1; i <= 5; i++) {
            int n = i;
            sends = sends.compose(v -> rest.send(alice, id, "a-" + n, "message " + n));
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
              return rest.expect(200, read, bob, new JsonObject().put("seq", 3));
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
              return rest.expect(200, read, bob, new JsonObject().put("seq", 1));
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
              return rest.expect(200, read, bob, new JsonObject().put("seq", 1000));
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
              return rest.send(alice, id, "a-6", "message 6").compose(v -> list(bob));
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
              rest.post(read, bob, new JsonObject()),
              rest.post(read, bob, new JsonObject().put("seq", -1)),
              rest.post(read, bob, new JsonObject().put("seq", "3"))))
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

  @Test
  void an_invited_connected_user_gets_the_room_live_and_loses_it_on_leaving(Vertx vertx, VertxTestContext ctx) {
    users("alice", "bob").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      String bob = u.get("bob").getString("accessToken");
      return rest.createConversation(alice, new JsonObject().put("type", "room").put("name", "ops").put("visibility", "private"))
        .compose(room -> Future.all(BridgeClient.online(vertx, node.port(), u.get("alice")), BridgeClient.online(vertx, node.port(), u.get("bob")))
          .compose(clients -> {
            BridgeClient aliceTab = clients.resultAt(0);
            BridgeClient bobTab = clients.resultAt(1);
            String id = room.getString("id");
            return rest.expect(200, "/conversations/" + id + "/invite", alice, new JsonObject().put("members", new JsonArray().add("bob")))
              .compose(v -> bobTab.awaitEvents(e -> "conversation.added".equals(e.getString("type")) && id.equals(e.getString("conversationId")), 1))
              .compose(added -> {
                ctx.verify(() -> {
                  JsonObject conversation = added.get(0).getJsonObject("conversation");
                  assertNotNull(conversation, "conversation.added carries the conversation: " + added.get(0));
                  assertEquals(id, conversation.getString("id"));
                  assertEquals("ops", conversation.getString("name"));
                });
                return rest.send(alice, id, "a-1", "welcome aboard");
              })
              .compose(v -> bobTab.awaitMessages(id, 1))
              .compose(messages -> {
                ctx.verify(() -> assertEquals("welcome aboard", messages.get(0).getJsonObject("message").getString("text")));
                // Bob answers over the same connection, without reconnecting.
                return bobTab.request("parley.delivery.send",
                  new JsonObject().put("conversationId", id).put("clientMsgId", "b-1").put("text", "thanks"));
              })
              .compose(ack -> aliceTab.awaitMessages(id, 2))
              .compose(v -> bobTab.request("parley.rooms.leave", new JsonObject().put("conversationId", id)))
              .compose(v -> bobTab.awaitEvents(e -> "conversation.removed".equals(e.getString("type")) && id.equals(e.getString("conversationId")), 1))
              .compose(v -> aliceTab.awaitEvents(e -> "member.left".equals(e.getString("type")) && id.equals(e.getString("conversationId")), 1))
              .compose(left -> {
                ctx.verify(() -> assertEquals(u.get("bob").getString("userId"), left.get(0).getString("userId")));
                return rest.send(alice, id, "a-2", "after bob left");
              })
              .compose(v -> aliceTab.awaitMessages(id, 3))
              .compose(v -> rest.expect(200, "/conversations/" + id + "/read", alice, new JsonObject().put("seq", 3)))
              .compose(v -> aliceTab.awaitEvents(e -> "read".equals(e.getString("type")) && id.equals(e.getString("conversationId")), 1))
              .compose(v -> vertx.timer(500))
              .map(t -> {
                ctx.verify(() -> {
                  List<JsonObject> bobsMessages = bobTab.events().stream()
                    .filter(e -> "message".equals(e.getString("type")) && id.equals(e.getString("conversationId"))).toList();
                  assertEquals(List.of("welcome aboard", "thanks"),
                    bobsMessages.stream().map(e -> e.getJsonObject("message").getString("text")).toList(),
                    "bob receives the room's messages only while a member");
                  int removedAt = indexOf(bobTab.events(), "conversation.removed", id);
                  for (int i = removedAt + 1; i < bobTab.events().size(); i++) {
                    assertFalse(id.equals(bobTab.events().get(i).getString("conversationId")),
                      "event of the left room after conversation.removed: " + bobTab.events().get(i));
                  }
                  assertTrue(bobTab.protocolErrors().isEmpty());
                });
                return null;
              })
              // And the room is gone from bob's side entirely.
              .compose(v -> rest.get("/conversations/" + id, bob))
              .map(response -> {
                ctx.verify(() -> assertError(response, 404, "CONVERSATION_NOT_FOUND"));
                return null;
              })
              .eventually(() -> Future.all(aliceTab.close(), bobTab.close()));
          }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void members_receive_member_joined_when_someone_joins(Vertx vertx, VertxTestContext ctx) {
    users("alice", "bob", "carol").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      String bob = u.get("bob").getString("accessToken");
      String bobId = u.get("bob").getString("userId");
      return rest.createConversation(alice, new JsonObject().put("type", "room").put("name", "lobby")
          .put("members", new JsonArray().add("carol")))
        .compose(room -> Future.all(BridgeClient.online(vertx, node.port(), u.get("alice")), BridgeClient.online(vertx, node.port(), u.get("carol")),
            BridgeClient.online(vertx, node.port(), u.get("bob")))
          .compose(clients -> {
            BridgeClient aliceTab = clients.resultAt(0);
            BridgeClient carolTab = clients.resultAt(1);
            BridgeClient bobTab = clients.resultAt(2);
            String id = room.getString("id");
            Function<BridgeClient, Future<List<JsonObject>>> joined = client -> client.awaitEvents(e ->
              "member.joined".equals(e.getString("type")) && id.equals(e.getString("conversationId")) && bobId.equals(e.getString("userId")), 1);
            return rest.expect(200, "/conversations/" + id + "/join", bob, new JsonObject())
              .compose(v -> Future.all(joined.apply(aliceTab), joined.apply(carolTab),
                bobTab.awaitEvents(e -> "conversation.added".equals(e.getString("type")) && id.equals(e.getString("conversationId")), 1)))
              .compose(all -> {
                ctx.verify(() -> {
                  List<JsonObject> seen = all.resultAt(0);
                  assertEquals("bob", seen.get(0).getString("username"));
                });
                // A repeated join is not a new member.
                return rest.expect(200, "/conversations/" + id + "/join", bob, new JsonObject());
              })
              // The joiner is subscribed: carol's message reaches bob live.
              .compose(v -> rest.send(u.get("carol").getString("accessToken"), id, "c-1", "hi bob"))
              .compose(v -> Future.all(bobTab.awaitMessages(id, 1), aliceTab.awaitMessages(id, 1)))
              .compose(v -> vertx.timer(300))
              .map(t -> {
                ctx.verify(() -> {
                  for (BridgeClient client : List.of(aliceTab, carolTab)) {
                    long joins = client.events().stream().filter(e -> "member.joined".equals(e.getString("type"))
                      && bobId.equals(e.getString("userId"))).count();
                    assertEquals(1, joins, "one member.joined per actual join: " + client.events());
                  }
                });
                return null;
              })
              .eventually(() -> Future.all(aliceTab.close(), carolTab.close(), bobTab.close()));
          }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  /**
   * An invite that lands while bob's connection is registering must not be lost: either the room is in
   * the "ready" list, or conversation.added follows; either way the room's messages then arrive live.
   * The invite is started first and the registration after a delay swept over 0–30 ms, so that some
   * attempts put the invite between the server's conversation listing and its subscriptions.
   */
  @Test
  void an_invite_racing_the_registration_of_a_connection_is_not_lost(Vertx vertx, VertxTestContext ctx) {
    users("alice", "bob").compose(u -> {
      String alice = u.get("alice").getString("accessToken");
      Future<Void> chain = Future.succeededFuture();
      for (int attempt = 0; attempt < 124; attempt++) {
        int delay = attempt % 31;
        int n = attempt;
        chain = chain.compose(v -> rest.createConversation(alice, new JsonObject().put("type", "room")
            .put("name", "race-" + n).put("visibility", "private"))
          .compose(room -> BridgeClient.connect(vertx, node.port()).compose(bobTab -> {
            String id = room.getString("id");
            Future<JsonObject> invite = rest.expect(200, "/conversations/" + id + "/invite", alice,
              new JsonObject().put("members", new JsonArray().add("bob")));
            Future<JsonObject> ready = (delay == 0 ? Future.succeededFuture(0L) : vertx.timer(delay))
              .compose(t -> bobTab.token(u.get("bob").getString("accessToken")).register(BridgeClient.inboxOf(u.get("bob"))));
            return Future.all(invite, ready)
              .compose(both -> {
                boolean listed = ready.result().getJsonArray("conversations").stream()
                  .anyMatch(c -> id.equals(((JsonObject) c).getString("id")));
                Future<?> known = listed ? Future.succeededFuture()
                  : within(vertx, 2000, bobTab.awaitEvents(e -> "conversation.added".equals(e.getString("type"))
                    && id.equals(e.getString("conversationId")), 1),
                  "attempt " + n + " (registration " + delay + " ms after the invite): room neither in 'ready' nor announced"
                    + " by conversation.added; events " + bobTab.events());
                return known.compose(k -> rest.send(alice, id, "a-" + n, "ping " + n))
                  .compose(sent -> within(vertx, 2000, bobTab.awaitMessages(id, 1),
                    "attempt " + n + " (registration " + delay + " ms after the invite, listed in ready: " + listed
                      + "): message not delivered live; events " + bobTab.events()));
              })
              .eventually(bobTab::close)
              .mapEmpty();
          })));
      }
      return chain;
    }).onComplete(ctx.succeedingThenComplete());
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static <T> Future<T> within(Vertx vertx, long ms, Future<T> future, String failure) {
    io.vertx.core.Promise<T> promise = io.vertx.core.Promise.promise();
    long timer = vertx.setTimer(ms, t -> promise.tryFail(new AssertionError(failure)));
    future.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        promise.tryComplete(ar.result());
      } else {
        promise.tryFail(ar.cause());
      }
    });
    return promise.future();
  }

  private Future<Map<String, JsonObject>> users(String... names) {
    List<Future<JsonObject>> sessions = java.util.Arrays.stream(names).map(name -> rest.user("acme", name)).toList();
    return Future.all(sessions).map(all -> {
      Map<String, JsonObject> byName = new java.util.HashMap<>();
      for (int i = 0; i < names.length; i++) {
        byName.put(names[i], sessions.get(i).result());
      }
      return byName;
    });
  }

  private Future<JsonArray> members(String token, String id) {
    return rest.expectGet(200, "/conversations/" + id + "/members", token).map(body -> body.getJsonArray("members"));
  }

  private Future<JsonObject> list(String token) {
    return rest.expectGet(200, "/conversations", token);
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

  private static int indexOf(List<JsonObject> events, String type, String conversationId) {
    for (int i = 0; i < events.size(); i++) {
      if (type.equals(events.get(i).getString("type")) && conversationId.equals(events.get(i).getString("conversationId"))) {
        return i;
      }
    }
    throw new AssertionError("no " + type + " for " + conversationId + " in " + events);
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String code) {
    String body = response.bodyAsString();
    assertEquals(status, response.statusCode(), "expected " + status + " " + code + ", got: " + body);
    assertEquals(code, new JsonObject(body).getJsonObject("error").getString("code"), body);
  }
}
