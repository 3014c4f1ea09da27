package io.parley.rooms;

import io.parley.auth.api.UserRef;
import io.parley.common.Caller;
import io.parley.common.Failure;
import io.parley.common.Fields;
import io.parley.rooms.Access.MemberContext;
import io.parley.rooms.api.CreateConversation;
import io.parley.rooms.api.Membership;
import io.parley.rooms.api.MuteConversation;
import io.parley.rooms.api.Positions;
import io.parley.rooms.api.ReceiptSettings;
import io.parley.rooms.api.RoomsError;
import io.parley.rooms.api.RoomsLimits;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/** The rules of conversations (public and private rooms, DMs, group DMs) and their memberships. */
final class RoomsService {

  static final String OWNER = Membership.OWNER;
  static final String MEMBER = "member";

  private final ConversationStore conversations;
  private final MembershipStore memberships;
  private final Access access;
  private final PositionWrites positions;
  private final RoomEvents events;
  private final UserDirectory users;
  private final RoomsLimits limits;
  private final ReceiptSettings receipts;
  private final GeneralRoom general;
  private final Clock clock;

  RoomsService(ConversationStore conversations, MembershipStore memberships, RoomEvents events, UserDirectory users,
               RoomsLimits limits, ReceiptSettings receipts, GeneralRoom general, Clock clock) {
    this.conversations = conversations;
    this.memberships = memberships;
    this.access = new Access(conversations, memberships);
    this.positions = new PositionWrites(conversations, memberships);
    this.events = events;
    this.users = users;
    this.limits = limits;
    this.receipts = receipts;
    this.general = general;
    this.clock = clock;
  }

  Future<Void> ensureIndexes() {
    return Future.all(conversations.ensureIndexes(), memberships.ensureIndexes()).mapEmpty();
  }

  Future<JsonObject> create(Caller caller, CreateConversation request) {
    return resolve(caller, request.members()).compose(others -> {
      others.remove(caller.userId());
      return "dm".equals(request.type()) ? createDm(caller, others) : createGroupOrRoom(caller, request, others);
    });
  }

  private Future<JsonObject> createDm(Caller caller, Map<String, String> others) {
    if (others.size() != 1) {
      throw Fields.invalid("members", "must name exactly one other user for a dm");
    }
    Map.Entry<String, String> other = others.entrySet().iterator().next();
    String pairKey = caller.userId().compareTo(other.getKey()) < 0
      ? caller.userId() + ":" + other.getKey() : other.getKey() + ":" + caller.userId();
    Map<String, String> both = Map.of(caller.userId(), caller.username(), other.getKey(), other.getValue());
    return conversations.reserveDm(caller.tenant(), pairKey, UUID.randomUUID().toString())
      .compose(id -> roomFor(caller.tenant(), both, id).map(id)).compose(id -> {
      JsonObject conversation = newConversation(id, caller, "dm", "private", null)
        .put("dmUsers", new JsonArray()
          .add(new UserRef(caller.userId(), caller.username()).toJson())
          .add(new UserRef(other.getKey(), other.getValue()).toJson()));
      // Idempotent steps, so a DM half-created by a crashed node is completed by the next call.
      return conversations.insertIfAbsent(conversation)
        .compose(v -> addMembers(caller.tenant(), id, both, MEMBER, 0))
        .compose(v -> conversations.find(caller.tenant(), id))
        .compose(stored -> events.conversationAdded(caller.tenant(), stored, List.of(caller.userId(), other.getKey()))
          .map(v -> ConversationView.of(stored)));
    });
  }

  private Future<JsonObject> createGroupOrRoom(Caller caller, CreateConversation request, Map<String, String> others) {
    if (others.size() + 1 > limits.membersMax()) {
      throw Fields.invalid("members", "must have at most " + (limits.membersMax() - 1) + " entries");
    }
    if (request.type().equals("group") && others.isEmpty()) {
      throw Fields.invalid("members", "must name at least one other user for a group");
    }
    String id = UUID.randomUUID().toString();
    JsonObject conversation = newConversation(id, caller, request.type(), request.visibility(), request.name());
    List<String> everyone = new ArrayList<>(others.keySet());
    everyone.add(caller.userId());
    Map<String, String> named = new LinkedHashMap<>(others);
    named.put(caller.userId(), caller.username());
    return roomFor(caller.tenant(), named, id)
      .compose(v -> conversations.insert(conversation))
      .compose(v -> memberships.add(caller.tenant(), id, caller.userId(), caller.username(), OWNER, 0))
      .compose(v -> addMembers(caller.tenant(), id, others, MEMBER, 0))
      .compose(v -> events.conversationAdded(caller.tenant(), conversation, everyone))
      .map(v -> ConversationView.of(conversation));
  }

  Future<JsonObject> get(Caller caller, String id) {
    return access.visible(caller, id).map(ConversationView::of);
  }

  Future<JsonObject> list(Caller caller) {
    return memberships.ofUser(caller.tenant(), caller.userId()).compose(mine -> {
      Map<String, JsonObject> byConversation = mine.stream()
        .collect(Collectors.toMap(m -> m.getString("conversationId"), m -> m, (a, b) -> a, LinkedHashMap::new));
      return conversations.findAll(caller.tenant(), new ArrayList<>(byConversation.keySet()))
        .map(found -> conversationList(found.stream().map(c -> ConversationView.of(c, byConversation.get(c.getString("_id")))).toList()));
    });
  }

  Future<JsonObject> publicRooms(Caller caller) {
    return conversations.publicRooms(caller.tenant(), limits.pageMax())
      .map(rooms -> conversationList(rooms.stream().map(ConversationView::of).toList()));
  }

  /** Public rooms only; joining a conversation one is already in answers it, whatever its kind. */
  Future<JsonObject> join(Caller caller, String id) {
    return access.visible(caller, id).compose(conversation -> {
      if (!"room".equals(conversation.getString("type")) || !Access.isPublic(conversation)) {
        return memberships.find(caller.tenant(), id, caller.userId()).compose(existing -> existing != null
          ? Future.succeededFuture(ConversationView.of(conversation, existing))
          : Failure.fail(RoomsError.NOT_JOINABLE, "only public rooms can be joined; ask a member to invite you"));
      }
      return enter(caller, conversation, MEMBER);
    });
  }

  /**
   * A newly registered user enters the tenant's general room, when one is configured (else {}). The
   * first of the tenant creates it, whoever else tries at the same moment (see {@link GeneralRoom}),
   * and is its owner — also when a retry completes what a crash interrupted. Idempotent.
   */
  Future<JsonObject> welcome(Caller caller) {
    if (!general.configured()) {
      return Future.succeededFuture(new JsonObject());
    }
    JsonObject room = newConversation(general.id(caller.tenant()), caller, "room", "public", general.name());
    return conversations.insertOrFind(room).compose(stored ->
      enter(caller, stored, caller.userId().equals(stored.getString("createdBy")) ? OWNER : MEMBER));
  }

  /**
   * Adds the caller as {@code role}, within their conversation limit, starting at the head (the backlog
   * is history, not unread); their connections subscribe, the members hear of a new one.
   */
  private Future<JsonObject> enter(Caller caller, JsonObject conversation, String role) {
    String id = conversation.getString("_id");
    Map<String, String> joiner = Map.of(caller.userId(), caller.username());
    return roomFor(caller.tenant(), joiner, id)
      .compose(v -> addMembers(caller.tenant(), id, joiner, role, conversation.getLong("lastSeq", 0L)))
      .compose(v -> events.conversationAdded(caller.tenant(), conversation, List.of(caller.userId())))
      .compose(v -> memberships.find(caller.tenant(), id, caller.userId()))
      .map(membership -> ConversationView.of(conversation, membership));
  }

  Future<Void> leave(Caller caller, String id) {
    return access.memberOf(caller, id).compose(context -> "dm".equals(context.type())
      ? Failure.fail(RoomsError.CANNOT_LEAVE_DM, "a direct message cannot be left")
      : memberships.remove(caller.tenant(), id, caller.userId())
        .compose(removed -> events.memberLeft(caller.tenant(), id, caller.userId(), caller.username())));
  }

  /** Adds the named users; answers the ids of those who were not members before. */
  Future<List<String>> invite(Caller caller, String id, List<String> usernames) {
    if (usernames.isEmpty()) {
      throw Fields.invalid("members", "must name at least one user");
    }
    return access.memberOf(caller, id).compose(context -> {
      if ("dm".equals(context.type())) {
        return Failure.fail(RoomsError.CANNOT_INVITE_TO_DM, "start a group to talk with more people");
      }
      return resolve(caller, usernames)
        .compose(found -> roomFor(caller.tenant(), found, id).map(found))
        .compose(found -> addMembers(caller.tenant(), id, found, MEMBER, context.lastSeq()))
        .compose(added -> events.conversationAdded(caller.tenant(), context.conversation(), added).map(added));
    });
  }

  Future<JsonObject> members(Caller caller, String id) {
    return access.visible(caller, id)
      .compose(conversation -> memberships.ofConversation(caller.tenant(), id, limits.membersMax()))
      .map(list -> new JsonObject().put("members", ConversationView.members(list, caller.userId(), receipts.on(caller.tenant()))));
  }

  /** Moves the caller's read position forward only, never past the head; tells the members (see {@link RoomEvents#read}). */
  Future<JsonObject> read(Caller caller, String id, long seq) {
    return access.memberOf(caller, id).compose(context -> markRead(caller, id, Math.min(seq, context.lastSeq()))
      .map(readSeq -> new JsonObject().put("conversationId", id).put("readSeq", readSeq)
        .put("unread", Math.max(0, context.lastSeq() - readSeq))));
  }

  /** The caller's own mute setting; only their connections are told. Members only, like reading. */
  Future<MuteConversation> mute(Caller caller, String id, boolean muted) {
    return access.memberOf(caller, id)
      .compose(context -> memberships.setMuted(caller.tenant(), id, caller.userId(), muted))
      // Gone between the check and the write: the caller left meanwhile.
      .compose(updated -> updated == null ? Access.<MuteConversation>notFound(id)
        : events.muted(caller.tenant(), id, caller.userId(), muted).map(new MuteConversation(id, muted)));
  }

  Future<Membership> membership(Caller caller, String id) {
    return access.memberOf(caller, id).map(context -> new Membership(context.membership().getString("role"),
      context.membership().getLong("readSeq", 0L), context.lastSeq(), context.type(),
      ConversationView.muted(context.membership())));
  }

  Future<Positions> positions(Caller caller) {
    return memberships.ofUser(caller.tenant(), caller.userId()).map(mine -> {
      Map<String, Long> positions = new LinkedHashMap<>();
      mine.forEach(m -> positions.put(m.getString("conversationId"), m.getLong("readSeq", 0L)));
      return new Positions(positions);
    });
  }

  /**
   * The sender's message {@code seq} is stored: the head moves there, and senders have read what they
   * wrote. No read event: the message itself tells every member where its sender has read to.
   */
  Future<Void> appended(Caller caller, String id, long seq) {
    // A sender who left meanwhile has no read position to move; the message stays stored either way.
    return positions.appended(id, caller.userId(), seq);
  }

  private Future<Long> markRead(Caller caller, String id, long seq) {
    return memberships.markRead(caller.tenant(), id, caller.userId(), seq).compose(readSeq -> readSeq == null
      ? Access.<Long>notFound(id)
      : events.read(caller.tenant(), id, caller.userId(), readSeq, receipts.on(caller.tenant())).map(readSeq));
  }

  /**
   * Fails TOO_MANY_CONVERSATIONS, naming them, if any of {@code users} (id → username) is in as many
   * conversations as a user may be, this one aside: nobody is added to more than they can follow.
   */
  private Future<Void> roomFor(String tenant, Map<String, String> users, String conversationId) {
    return memberships.atLimit(tenant, List.copyOf(users.keySet()), conversationId, limits.conversationsPerUser())
      .compose(full -> full.isEmpty() ? Future.succeededFuture() : Failure.fail(RoomsError.TOO_MANY_CONVERSATIONS,
        full.stream().map(users::get).sorted().collect(Collectors.joining(", ")) + " already in "
          + limits.conversationsPerUser() + " conversations, the most one user can be in; leave one first"));
  }

  /** Adds members; returns the ids of those who were not members before, and announces each join. */
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
      return Future.all(added.stream().map(u -> events.memberJoined(tenant, id, u, users.get(u))).toList()).map(all -> added);
    });
  }

  /** userId → username for the given usernames in the caller's tenant; fails naming unknown ones. */
  private Future<Map<String, String>> resolve(Caller caller, List<String> usernames) {
    if (usernames.isEmpty()) {
      return Future.succeededFuture(new LinkedHashMap<>());
    }
    return users.resolve(caller, usernames).compose(found -> {
      Map<String, String> byId = new LinkedHashMap<>();
      Set<String> names = new HashSet<>();
      found.forEach(user -> {
        byId.put(user.userId(), user.username());
        names.add(user.username().toLowerCase(Locale.ROOT));
      });
      List<String> unknown = usernames.stream().filter(u -> !names.contains(u.toLowerCase(Locale.ROOT))).distinct().toList();
      return unknown.isEmpty() ? Future.succeededFuture(byId)
        : Failure.fail(RoomsError.UNKNOWN_USERS, "no such users in this tenant: " + String.join(", ", unknown));
    });
  }

  private JsonObject newConversation(String id, Caller caller, String type, String visibility, String name) {
    JsonObject conversation = new JsonObject().put("_id", id).put("tenant", caller.tenant()).put("type", type)
      .put("visibility", visibility).put("createdBy", caller.userId()).put("createdAt", clock.millis()).put("lastSeq", 0L);
    return name == null ? conversation : conversation.put("name", name);
  }

  private static JsonObject conversationList(List<JsonObject> views) {
    return new JsonObject().put("conversations", new JsonArray(views));
  }
}
