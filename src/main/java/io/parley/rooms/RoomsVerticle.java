package io.parley.rooms;

import io.parley.auth.AuthAddresses;
import io.parley.common.BusService;
import io.parley.common.Caller;
import io.parley.common.Failure;
import io.parley.common.Fields;
import io.parley.config.ParleyConfig;
import io.parley.fanout.Channels;
import io.parley.fanout.EventFanout;
import io.parley.fanout.Events;
import io.parley.fanout.Fanouts;
import io.parley.store.Mongo;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/** Conversations (public and private rooms, DMs, group DMs) and their memberships. */
public class RoomsVerticle extends VerticleBase {

  static final String OWNER = "owner";
  static final String MEMBER = "member";
  private static final Set<String> TYPES = Set.of("room", "dm", "group");
  private static final Set<String> VISIBILITIES = Set.of("public", "private");

  private ParleyConfig config;
  private MongoClient mongo;
  private ConversationStore conversations;
  private MembershipStore memberships;
  private EventFanout fanout;

  @Override
  public Future<?> start() {
    config = ParleyConfig.of(config());
    mongo = Mongo.client(vertx, config);
    conversations = new ConversationStore(mongo);
    memberships = new MembershipStore(mongo);
    fanout = Fanouts.create(vertx, config);
    BusService bus = new BusService(vertx.eventBus())
      .serve(RoomsAddresses.CREATE, this::create)
      .serve(RoomsAddresses.GET, this::get)
      .serve(RoomsAddresses.LIST, this::list)
      .serve(RoomsAddresses.PUBLIC, this::publicRooms)
      .serve(RoomsAddresses.JOIN, this::join)
      .serve(RoomsAddresses.LEAVE, this::leave)
      .serve(RoomsAddresses.INVITE, this::invite)
      .serve(RoomsAddresses.MEMBERS, this::members)
      .serve(RoomsAddresses.READ, this::read)
      .serve(RoomsAddresses.MEMBERSHIP, this::membership)
      .serve(RoomsAddresses.POSITIONS, this::positions)
      .serveAnonymous(RoomsAddresses.PING, body -> Future.succeededFuture(new JsonObject()));
    return Future.all(conversations.ensureIndexes(), memberships.ensureIndexes()).compose(v -> bus.ready());
  }

  @Override
  public Future<?> stop() {
    return Future.all(fanout == null ? Future.succeededFuture() : fanout.close(),
      mongo == null ? Future.succeededFuture() : mongo.close());
  }

  private Future<JsonObject> create(Caller caller, JsonObject body) {
    String type = Fields.requiredString(body, "type", 16);
    if (!TYPES.contains(type)) {
      throw Fields.invalid("type", "must be one of " + TYPES);
    }
    List<String> usernames = usernames(body);
    return resolve(caller, usernames).compose(others -> {
      others.remove(caller.userId());
      return switch (type) {
        case "dm" -> createDm(caller, others);
        case "group" -> createGroupOrRoom(caller, "group", "private",
          Fields.optionalString(body, "name", config.nameMaxBytes()), others);
        default -> createGroupOrRoom(caller, "room", visibility(body), name(body), others);
      };
    });
  }

  private Future<JsonObject> createDm(Caller caller, Map<String, String> others) {
    if (others.size() != 1) {
      throw Fields.invalid("members", "must name exactly one other user for a dm");
    }
    Map.Entry<String, String> other = others.entrySet().iterator().next();
    String pairKey = caller.userId().compareTo(other.getKey()) < 0
      ? caller.userId() + ":" + other.getKey() : other.getKey() + ":" + caller.userId();
    return conversations.reserveDm(caller.tenant(), pairKey, UUID.randomUUID().toString()).compose(id -> {
      JsonObject conversation = newConversation(id, caller, "dm", "private", null)
        .put("dmUsers", new JsonArray()
          .add(new JsonObject().put("userId", caller.userId()).put("username", caller.username()))
          .add(new JsonObject().put("userId", other.getKey()).put("username", other.getValue())));
      // Idempotent steps, so a DM half-created by a crashed node is completed by the next call.
      return conversations.insertIfAbsent(conversation)
        .compose(v -> addMembers(caller.tenant(), id, Map.of(caller.userId(), caller.username(), other.getKey(), other.getValue()), MEMBER, 0))
        .compose(v -> conversations.find(caller.tenant(), id))
        .compose(stored -> announceAdded(caller.tenant(), stored, List.of(caller.userId(), other.getKey()))
          .map(v -> ConversationView.of(stored)));
    });
  }

  private Future<JsonObject> createGroupOrRoom(Caller caller, String type, String visibility, String name,
                                               Map<String, String> others) {
    if (others.size() + 1 > config.membersMax()) {
      throw Fields.invalid("members", "must have at most " + (config.membersMax() - 1) + " entries");
    }
    if (type.equals("group") && others.isEmpty()) {
      throw Fields.invalid("members", "must name at least one other user for a group");
    }
    String id = UUID.randomUUID().toString();
    JsonObject conversation = newConversation(id, caller, type, visibility, name);
    List<String> everyone = new ArrayList<>(others.keySet());
    everyone.add(caller.userId());
    return conversations.insert(conversation)
      .compose(v -> memberships.add(caller.tenant(), id, caller.userId(), caller.username(), OWNER, 0))
      .compose(v -> addMembers(caller.tenant(), id, others, MEMBER, 0))
      .compose(v -> announceAdded(caller.tenant(), conversation, everyone))
      .map(v -> ConversationView.of(conversation));
  }

  private Future<JsonObject> get(Caller caller, JsonObject body) {
    return visible(caller, conversationId(body)).map(ConversationView::of);
  }

  private Future<JsonObject> list(Caller caller, JsonObject body) {
    return memberships.ofUser(caller.tenant(), caller.userId()).compose(mine -> {
      Map<String, JsonObject> byConversation = mine.stream()
        .collect(Collectors.toMap(m -> m.getString("conversationId"), m -> m, (a, b) -> a, LinkedHashMap::new));
      return conversations.findAll(caller.tenant(), new ArrayList<>(byConversation.keySet()))
        .map(found -> new JsonObject().put("conversations", new JsonArray(found.stream()
          .map(c -> ConversationView.of(c, byConversation.get(c.getString("_id"))))
          .toList())));
    });
  }

  private Future<JsonObject> publicRooms(Caller caller, JsonObject body) {
    return conversations.publicRooms(caller.tenant(), config.pageMax())
      .map(rooms -> new JsonObject().put("conversations",
        new JsonArray(rooms.stream().map(ConversationView::of).toList())));
  }

  private Future<JsonObject> join(Caller caller, JsonObject body) {
    String id = conversationId(body);
    return visible(caller, id).compose(conversation -> {
      if (!"room".equals(conversation.getString("type")) || !"public".equals(conversation.getString("visibility"))) {
        return memberships.find(caller.tenant(), id, caller.userId()).compose(existing -> existing != null
          ? Future.succeededFuture(ConversationView.of(conversation, existing))
          : Failure.fail(RoomsError.NOT_JOINABLE, "only public rooms can be joined; ask a member to invite you"));
      }
      return addMembers(caller.tenant(), id, Map.of(caller.userId(), caller.username()), MEMBER, conversation.getLong("lastSeq", 0L))
        .compose(v -> announceAdded(caller.tenant(), conversation, List.of(caller.userId())))
        .compose(v -> memberships.find(caller.tenant(), id, caller.userId()))
        .map(membership -> ConversationView.of(conversation, membership));
    });
  }

  private Future<JsonObject> leave(Caller caller, JsonObject body) {
    String id = conversationId(body);
    return memberOf(caller, id).compose(context -> {
      if ("dm".equals(context.conversation().getString("type"))) {
        return Failure.fail(RoomsError.CANNOT_LEAVE_DM, "a direct message cannot be left");
      }
      return memberships.remove(caller.tenant(), id, caller.userId()).compose(removed -> {
        JsonObject left = Events.of(Events.MEMBER_LEFT, id).put("userId", caller.userId()).put("username", caller.username());
        return Future.all(
            fanout.publish(Channels.conversation(caller.tenant(), id), left),
            fanout.publish(Channels.user(caller.tenant(), caller.userId()), Events.of(Events.CONVERSATION_REMOVED, id)))
          .map(v -> new JsonObject());
      });
    });
  }

  private Future<JsonObject> invite(Caller caller, JsonObject body) {
    String id = conversationId(body);
    List<String> usernames = usernames(body);
    if (usernames.isEmpty()) {
      throw Fields.invalid("members", "must name at least one user");
    }
    return memberOf(caller, id).compose(context -> {
      if ("dm".equals(context.conversation().getString("type"))) {
        return Failure.fail(RoomsError.CANNOT_INVITE_TO_DM, "start a group to talk with more people");
      }
      return resolve(caller, usernames).compose(users -> addMembers(caller.tenant(), id, users, MEMBER,
          context.conversation().getLong("lastSeq", 0L))
        .compose(added -> announceAdded(caller.tenant(), context.conversation(), added)
          .map(v -> new JsonObject().put("added", new JsonArray(added)))));
    });
  }

  private Future<JsonObject> members(Caller caller, JsonObject body) {
    String id = conversationId(body);
    return visible(caller, id)
      .compose(conversation -> memberships.ofConversation(caller.tenant(), id, config.membersMax()))
      .map(list -> new JsonObject().put("members", new JsonArray(list.stream().map(ConversationView::member).toList())));
  }

  private Future<JsonObject> read(Caller caller, JsonObject body) {
    String id = conversationId(body);
    long seq = Fields.optionalLong(body, "seq", 0, Long.MAX_VALUE, -1);
    if (seq < 0) {
      throw Fields.invalid("seq", "is required");
    }
    return memberOf(caller, id).compose(context -> {
      long lastSeq = context.conversation().getLong("lastSeq", 0L);
      return memberships.markRead(caller.tenant(), id, caller.userId(), Math.min(seq, lastSeq)).compose(readSeq -> {
        JsonObject receipt = Events.of(Events.READ, id).put("userId", caller.userId()).put("readSeq", readSeq);
        return fanout.publish(Channels.conversation(caller.tenant(), id), receipt)
          .map(v -> new JsonObject().put("conversationId", id).put("readSeq", readSeq)
            .put("unread", Math.max(0, lastSeq - readSeq)));
      });
    });
  }

  private Future<JsonObject> membership(Caller caller, JsonObject body) {
    return memberOf(caller, conversationId(body)).map(context -> new JsonObject()
      .put("role", context.membership().getString("role"))
      .put("readSeq", context.membership().getLong("readSeq", 0L))
      .put("lastSeq", context.conversation().getLong("lastSeq", 0L))
      .put("type", context.conversation().getString("type")));
  }

  private Future<JsonObject> positions(Caller caller, JsonObject body) {
    return memberships.ofUser(caller.tenant(), caller.userId()).map(mine -> {
      JsonObject positions = new JsonObject();
      mine.forEach(m -> positions.put(m.getString("conversationId"), m.getLong("readSeq", 0L)));
      return new JsonObject().put("positions", positions);
    });
  }

  /** The conversation if the caller may see it: a member, or anyone in the tenant for a public room. */
  private Future<JsonObject> visible(Caller caller, String id) {
    return conversations.find(caller.tenant(), id).compose(conversation -> {
      if (conversation == null) {
        return notFound(id);
      }
      if ("public".equals(conversation.getString("visibility"))) {
        return Future.succeededFuture(conversation);
      }
      return memberships.find(caller.tenant(), id, caller.userId())
        .compose(m -> m == null ? notFound(id) : Future.succeededFuture(conversation));
    });
  }

  private Future<MemberContext> memberOf(Caller caller, String id) {
    return Future.all(conversations.find(caller.tenant(), id), memberships.find(caller.tenant(), id, caller.userId()))
      .compose(both -> {
        JsonObject conversation = both.resultAt(0);
        JsonObject membership = both.resultAt(1);
        if (conversation == null || (membership == null && !"public".equals(conversation.getString("visibility")))) {
          return notFound(id);
        }
        if (membership == null) {
          return Failure.fail(RoomsError.NOT_A_MEMBER, "join the room first");
        }
        return Future.succeededFuture(new MemberContext(conversation, membership));
      });
  }

  /** Adds members; returns the ids of those who were not members before. */
  private Future<List<String>> addMembers(String tenant, String id, Map<String, String> users, String role, long readSeq) {
    List<String> ids = new ArrayList<>(users.keySet());
    List<Future<Boolean>> adds = ids.stream().map(u -> memberships.add(tenant, id, u, users.get(u), role, readSeq)).toList();
    return Future.all(adds).compose(v -> {
      List<String> added = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        if (adds.get(i).result()) {
          added.add(ids.get(i));
        }
      }
      List<Future<Void>> joins = added.stream().map(userId -> fanout.publish(Channels.conversation(tenant, id),
        Events.of(Events.MEMBER_JOINED, id).put("userId", userId).put("username", users.get(userId)))).toList();
      return Future.all(joins).map(all -> added);
    });
  }

  /** Tells each user's connections to subscribe to the conversation. */
  private Future<Void> announceAdded(String tenant, JsonObject conversation, List<String> userIds) {
    JsonObject event = Events.of(Events.CONVERSATION_ADDED, conversation.getString("_id"))
      .put("conversation", ConversationView.of(conversation));
    return Future.all(userIds.stream().map(u -> fanout.publish(Channels.user(tenant, u), event)).toList()).mapEmpty();
  }

  /** userId → username for the given usernames in the caller's tenant; fails naming unknown ones. */
  private Future<Map<String, String>> resolve(Caller caller, List<String> usernames) {
    if (usernames.isEmpty()) {
      return Future.succeededFuture(new LinkedHashMap<>());
    }
    return vertx.eventBus().<JsonObject>request(AuthAddresses.RESOLVE_USERS,
        new JsonObject().put("usernames", new JsonArray(usernames)), caller.deliveryOptions())
      .compose(reply -> {
        Map<String, String> users = new LinkedHashMap<>();
        Set<String> found = new HashSet<>();
        for (Object o : reply.body().getJsonArray("users")) {
          JsonObject user = (JsonObject) o;
          users.put(user.getString("userId"), user.getString("username"));
          found.add(user.getString("username").toLowerCase(Locale.ROOT));
        }
        List<String> unknown = usernames.stream()
          .filter(u -> !found.contains(u.toLowerCase(Locale.ROOT))).distinct().toList();
        return unknown.isEmpty() ? Future.succeededFuture(users)
          : Failure.fail(RoomsError.UNKNOWN_USERS, "no such users in this tenant: " + String.join(", ", unknown));
      });
  }

  private List<String> usernames(JsonObject body) {
    JsonArray members = Fields.optionalArray(body, "members", config.membersMax());
    List<String> names = new ArrayList<>();
    for (Object member : members) {
      if (!(member instanceof String name) || name.isBlank() || name.length() > 64) {
        throw Fields.invalid("members", "must be a list of usernames");
      }
      names.add(name);
    }
    return names;
  }

  private JsonObject newConversation(String id, Caller caller, String type, String visibility, String name) {
    JsonObject conversation = new JsonObject()
      .put("_id", id)
      .put("tenant", caller.tenant())
      .put("type", type)
      .put("visibility", visibility)
      .put("createdBy", caller.userId())
      .put("createdAt", System.currentTimeMillis())
      .put("lastSeq", 0L);
    if (name != null) {
      conversation.put("name", name);
    }
    return conversation;
  }

  private String name(JsonObject body) {
    return Fields.requiredString(body, "name", config.nameMaxBytes());
  }

  private static String visibility(JsonObject body) {
    String visibility = Fields.optionalString(body, "visibility", 16);
    if (visibility == null) {
      return "public";
    }
    if (!VISIBILITIES.contains(visibility)) {
      throw Fields.invalid("visibility", "must be one of " + VISIBILITIES);
    }
    return visibility;
  }

  static String conversationId(JsonObject body) {
    return Fields.requiredString(body, "conversationId", 64);
  }

  private static <T> Future<T> notFound(String id) {
    return Failure.fail(RoomsError.CONVERSATION_NOT_FOUND, "no conversation " + id);
  }

  private record MemberContext(JsonObject conversation, JsonObject membership) {
  }
}
