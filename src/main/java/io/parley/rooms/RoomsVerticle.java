package io.parley.rooms;

import io.parley.auth.api.AuthClient;
import io.parley.common.BusRequests;
import io.parley.common.BusService;
import io.parley.common.Concern;
import io.parley.config.ParleyConfig;
import io.parley.delivery.api.MessageRef;
import io.parley.fanout.EventFanout;
import io.parley.fanout.Fanouts;
import io.parley.rooms.api.Appended;
import io.parley.rooms.api.ContactsQuery;
import io.parley.rooms.api.CreateConversation;
import io.parley.rooms.api.MarkRead;
import io.parley.rooms.api.MembersAmong;
import io.parley.rooms.api.Mentioned;
import io.parley.rooms.api.Positions;
import io.parley.rooms.api.ReceiptSettings;
import io.parley.rooms.api.MuteConversation;
import io.parley.rooms.api.RoomsAddresses;
import io.parley.rooms.api.RoomsLimits;
import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

import java.time.Clock;

import static io.parley.rooms.api.RoomsLimits.conversationId;

/** Wires {@link RoomsService} to the rooms addresses. */
public class RoomsVerticle extends VerticleBase {

  private MongoClient mongo;
  private EventFanout fanout;
  private long flushes = -1;
  private DeliveredAnnouncements announcements;

  @Override
  public Future<?> start() {
    ParleyConfig config = ParleyConfig.of(config());
    Clock clock = Clock.systemUTC();
    RoomsLimits limits = new RoomsLimits(config.nameMaxBytes(), config.membersMax(), config.pageMax(),
      config.conversationsPerUser());
    mongo = Mongo.client(vertx, config);
    fanout = Fanouts.create(vertx, config);
    ReceiptSettings settings = ReceiptSettings.of(config.receipts(), config.receiptsOff());
    ConversationStore conversations = new ConversationStore(mongo);
    MembershipStore memberships = new MembershipStore(mongo, clock);
    RoomEvents events = new RoomEvents(fanout);
    UserDirectory directory = new AuthClient(BusRequests.of(vertx))::resolveUsers;
    RoomsService rooms = new RoomsService(conversations, memberships, events, directory,
      limits, settings, new GeneralRoom(config.generalRoom()), clock);
    announcements = new DeliveredAnnouncements(events);
    flushes = vertx.setPeriodic(DeliveredAnnouncements.FLUSH_MS, t -> announcements.flush());
    ReceiptsService receipts = new ReceiptsService(conversations, memberships, announcements, settings, limits.membersMax());
    Access access = new Access(conversations, memberships);
    MentionCounts mentions = new MentionCounts(access, memberships, conversations);
    MemberLookup lookup = new MemberLookup(access, memberships, directory);
    BusService bus = new BusService(vertx.eventBus(), Concern.ROOMS, MongoErrors::classify)
      .serve(RoomsAddresses.CREATE, (caller, body) -> rooms.create(caller, CreateConversation.fromJson(body, limits)))
      .serve(RoomsAddresses.GET, (caller, body) -> rooms.get(caller, conversationId(body)))
      .serve(RoomsAddresses.LIST, (caller, body) -> rooms.list(caller))
      .serve(RoomsAddresses.PUBLIC, (caller, body) -> rooms.publicRooms(caller))
      .serve(RoomsAddresses.JOIN, (caller, body) -> rooms.join(caller, conversationId(body)))
      .serve(RoomsAddresses.LEAVE, (caller, body) -> rooms.leave(caller, conversationId(body)).map(v -> new JsonObject()))
      .serve(RoomsAddresses.INVITE, (caller, body) -> rooms.invite(caller, conversationId(body), limits.usernames(body))
        .map(added -> new JsonObject().put("added", new JsonArray(added))))
      .serve(RoomsAddresses.MEMBERS, (caller, body) -> rooms.members(caller, conversationId(body)))
      .serve(RoomsAddresses.READ, (caller, body) -> {
        MarkRead read = MarkRead.fromJson(body);
        return rooms.read(caller, read.conversationId(), read.seq());
      })
      .serve(RoomsAddresses.RECEIPTS, (caller, body) -> receipts.of(caller, MessageRef.fromJson(body)))
      .serve(RoomsAddresses.DELIVERED, (caller, body) -> receipts.delivered(caller, Positions.fromJson(body).seqByConversation())
        .map(v -> new JsonObject()))
      .serve(RoomsAddresses.MUTE, (caller, body) -> {
        MuteConversation mute = MuteConversation.fromJson(body);
        return rooms.mute(caller, mute.conversationId(), mute.muted());
      })
      .serve(RoomsAddresses.WELCOME, (caller, body) -> rooms.welcome(caller))
      .serve(RoomsAddresses.MEMBERSHIP, (caller, body) -> rooms.membership(caller, conversationId(body)))
      .serve(RoomsAddresses.POSITIONS, (caller, body) -> rooms.positions(caller))
      .serve(RoomsAddresses.APPENDED, (caller, body) -> {
        Appended appended = Appended.fromJson(body);
        return rooms.appended(caller, appended.conversationId(), appended.seq()).map(v -> new JsonObject());
      })
      .serve(RoomsAddresses.CONTACTS, (caller, body) -> memberships.contactsOf(caller.tenant(), caller.userId(),
          ContactsQuery.fromJson(body).userIds())
        .map(ids -> new JsonObject().put("userIds", new JsonArray(ids))))
      .serve(RoomsAddresses.MEMBERS_AMONG, (caller, body) -> lookup.among(caller, MembersAmong.fromJson(body)))
      .serve(RoomsAddresses.MENTIONED, (caller, body) -> mentions.mentioned(caller, Mentioned.fromJson(body, limits)).map(v -> new JsonObject()));
    return rooms.ensureIndexes().compose(v -> bus.ready());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(flushes);
    if (announcements != null) {
      announcements.flush();
    }
    return Future.all(fanout == null ? Future.succeededFuture() : fanout.close(),
      mongo == null ? Future.succeededFuture() : mongo.close());
  }
}
