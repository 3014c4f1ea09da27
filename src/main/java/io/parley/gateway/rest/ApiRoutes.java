package io.parley.gateway.rest;

import io.parley.attachments.Attachments;
import io.parley.auth.api.AccessTokens;
import io.parley.auth.api.AuthAddresses;
import io.parley.common.BusRequests;
import io.parley.common.Caller;
import io.parley.common.CommonError;
import io.parley.common.Failure;
import io.parley.common.RequestIds;
import io.parley.common.TrustedProxies;
import io.parley.ratelimit.RateLimiter;
import io.parley.ratelimit.RateLimits;
import io.parley.gateway.errors.ErrorResponses;
import io.parley.gateway.receipts.DeliveredPositions;
import io.parley.delivery.api.DeliveryAddresses;
import io.parley.rooms.api.RoomsAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.JWTAuthHandler;
import io.vertx.ext.web.handler.TimeoutHandler;

import java.util.function.BiConsumer;
import java.util.function.Function;

import static io.parley.gateway.rest.RestRates.Limit.PER_ADDRESS;
import static io.parley.gateway.rest.RestRates.Limit.SENDS;
import static io.parley.gateway.rest.RestRates.Limit.WRITES;

/**
 * The REST API under {@code /api}: each route validates the HTTP shape, then forwards to the concern's
 * event-bus address with the verified caller in the headers. Business rules live in the concerns.
 */
public final class ApiRoutes {

  private static final HttpMethod GET = HttpMethod.GET;
  private static final HttpMethod POST = HttpMethod.POST;
  private static final HttpMethod PUT = HttpMethod.PUT;
  private static final HttpMethod DELETE = HttpMethod.DELETE;

  static final String CALLER = "parley.caller";
  private static final BiConsumer<RoutingContext, JsonObject> AS_IS = (ctx, answer) -> { };

  private final Vertx vertx;
  private final long timeoutMs;

  private ApiRoutes(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  public static Router create(Vertx vertx, AccessTokens tokens, RateLimiter limiter, RateLimits limits,
                              TrustedProxies proxies, DeliveredPositions delivered, Attachments attachments,
                              long maxBodyBytes, long timeoutMs) {
    ApiRoutes api = new ApiRoutes(vertx, timeoutMs);
    RestRates rates = new RestRates(limiter, limits, proxies);
    KnownRoutes known = new KnownRoutes();
    Router router = Router.router(vertx);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(maxBodyBytes);
    AttachmentRoutes files = new AttachmentRoutes(attachments);
    router.route().handler(AttachmentRoutes.exceptTransfers(TimeoutHandler.create(timeoutMs + 1000, 504)));
    // Cheap checks first, on headers only: nothing is read or parsed for a request refused here.
    router.route().handler(known::check);
    router.route().handler(AttachmentRoutes::requireBodyType);
    router.route().handler(rates::perAddress);

    router.post(known.add(POST, "/auth/register", PER_ADDRESS)).handler(body).handler(ctx -> api.anonymous(ctx, AuthAddresses.REGISTER, 201));
    router.post(known.add(POST, "/auth/login", PER_ADDRESS)).handler(body).handler(ctx -> api.anonymous(ctx, AuthAddresses.LOGIN, 200));
    router.post(known.add(POST, "/auth/refresh", PER_ADDRESS)).handler(body).handler(ctx -> api.anonymous(ctx, AuthAddresses.REFRESH, 200));
    router.post(known.add(POST, "/auth/logout")).handler(body).handler(ctx -> api.anonymous(ctx, AuthAddresses.LOGOUT, 204));
    router.get(known.add(GET, "/openapi.json")).handler(new OpenApiDocument(vertx));

    // The token is checked before the body is read.
    router.route().handler(ApiRoutes::requireToken);
    router.route().handler(JWTAuthHandler.create(tokens.provider()));
    router.route().handler(ctx -> AccessTokens.caller(ctx.user())
      .onSuccess(caller -> rates.perUser(ctx.put(CALLER, caller), caller))
      .onFailure(ctx::fail));
    // Uploads read their own body (streamed to disk, after admission); every other route takes JSON.
    router.post(known.add(POST, AttachmentRoutes.UPLOAD, WRITES)).handler(files::admit).handler(files::accept)
      .failureHandler(files::failed);
    router.route().handler(body);
    router.get(known.add(GET, AttachmentRoutes.DOWNLOAD)).handler(ctx -> files.download(ctx, false));
    router.get(known.add(GET, AttachmentRoutes.THUMBNAIL)).handler(ctx -> files.download(ctx, true));

    router.get(known.add(GET, "/me")).handler(ctx -> api.forward(ctx, AuthAddresses.PROFILE, new JsonObject(), 200));
    router.put(known.add(PUT, "/me", WRITES)).handler(ctx -> api.withBody(ctx, AuthAddresses.UPDATE_PROFILE, 200, b -> b));
    router.get(known.add(GET, "/users")).handler(ctx -> {
      boolean search = RestQueries.isUserSearch(ctx);
      api.forward(ctx, search ? AuthAddresses.SEARCH_USERS : AuthAddresses.GET_USERS, RestQueries.users(ctx, search), 200);
    });
    router.get(known.add(GET, "/conversations")).handler(ctx -> api.forward(ctx,
      "public".equals(ctx.queryParams().get("scope")) ? RoomsAddresses.PUBLIC : RoomsAddresses.LIST, new JsonObject(), 200));
    router.post(known.add(POST, "/conversations", WRITES)).handler(ctx -> api.withBody(ctx, RoomsAddresses.CREATE, 201, b -> b));
    router.get(known.add(GET, "/conversations/:id")).handler(ctx -> api.forward(ctx, RoomsAddresses.GET, RestQueries.idBody(ctx), 200));
    router.post(known.add(POST, "/conversations/:id/join", WRITES)).handler(ctx -> api.forward(ctx, RoomsAddresses.JOIN, RestQueries.idBody(ctx), 200));
    router.post(known.add(POST, "/conversations/:id/leave", WRITES)).handler(ctx -> api.forward(ctx, RoomsAddresses.LEAVE, RestQueries.idBody(ctx), 204));
    router.post(known.add(POST, "/conversations/:id/invite", WRITES)).handler(ctx -> api.withBody(ctx, RoomsAddresses.INVITE, 200, b -> RestQueries.withId(ctx, b)));
    router.get(known.add(GET, "/conversations/:id/members")).handler(ctx -> api.forward(ctx, RoomsAddresses.MEMBERS, RestQueries.idBody(ctx), 200));
    router.post(known.add(POST, "/conversations/:id/read", WRITES)).handler(ctx -> api.withBody(ctx, RoomsAddresses.READ, 200, b -> RestQueries.withId(ctx, b)));
    router.put(known.add(PUT, "/conversations/:id/mute", WRITES)).handler(ctx -> api.withBody(ctx, RoomsAddresses.MUTE, 200, b -> RestQueries.withId(ctx, b)));
    router.get(known.add(GET, "/conversations/:id/messages")).handler(ctx -> api.forward(ctx, DeliveryAddresses.HISTORY, RestQueries.historyQuery(ctx), 200));
    router.post(known.add(POST, "/conversations/:id/messages", SENDS)).handler(ctx -> {
      JsonObject sent = JsonBodies.of(ctx);
      if (sent != null) {
        api.forward(ctx, DeliveryAddresses.SEND, RestQueries.withId(ctx, sent), 201, ApiRoutes::markReplay);
      }
    });
    router.post(known.add(POST, "/sync")).handler(ctx -> {
      JsonObject sync = JsonBodies.of(ctx);
      if (sync != null) {
        api.forward(ctx, DeliveryAddresses.SYNC, sync, 200, (c, answer) -> delivered.answered(c.get(CALLER), DeliveryAddresses.SYNC, answer));
      }
    });
    // Edits and deletes are message writes: they count against the user's send rate.
    router.put(known.add(PUT, "/messages/:id", SENDS)).handler(ctx -> {
      JsonObject edit = JsonBodies.of(ctx);
      if (edit != null) {
        api.forward(ctx, DeliveryAddresses.EDIT, edit.put("messageId", ctx.pathParam("id")), 200, ApiRoutes::markReplay);
      }
    });
    router.get(known.add(GET, "/messages/:id/receipts")).handler(ctx -> api.forward(ctx, RoomsAddresses.RECEIPTS,
      new JsonObject().put("messageId", ctx.pathParam("id")), 200));
    router.delete(known.add(DELETE, "/messages/:id", SENDS)).handler(ctx -> api.forward(ctx, DeliveryAddresses.DELETE,
      RestQueries.deleteQuery(ctx), 200, ApiRoutes::markReplay));
    router.get(known.add(GET, "/messages/:id/thread")).handler(ctx -> api.forward(ctx, DeliveryAddresses.THREAD,
      RestQueries.pageQuery(ctx, new JsonObject().put("messageId", ctx.pathParam("id"))), 200));
    router.post(known.add(POST, "/messages/:id/reactions", SENDS)).handler(ctx -> {
      JsonObject reaction = JsonBodies.of(ctx);
      if (reaction != null) {
        api.forward(ctx, DeliveryAddresses.REACT, reaction.put("messageId", ctx.pathParam("id")), 200, ApiRoutes::markReplay);
      }
    });
    router.delete(known.add(DELETE, "/messages/:id/reactions/:emoji", SENDS)).handler(ctx -> api.forward(ctx, DeliveryAddresses.UNREACT,
      new JsonObject().put("messageId", ctx.pathParam("id")).put("emoji", ctx.pathParam("emoji")), 200, ApiRoutes::markReplay));

    router.route().failureHandler(ErrorResponses::handle);
    return router;
  }

  /** No header, or one that names no token ("Bearer " alone), is UNAUTHENTICATED; a bad token is TOKEN_INVALID later. */
  private static void requireToken(RoutingContext ctx) {
    String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    String value = authorization == null ? "" : authorization.trim();
    if (value.isEmpty() || value.equalsIgnoreCase("Bearer")) {
      ctx.fail(new Failure(CommonError.UNAUTHENTICATED, "send 'Authorization: Bearer <accessToken>'"));
    } else {
      ctx.next();
    }
  }

  private void anonymous(RoutingContext ctx, String address, int status) {
    JsonObject body = JsonBodies.of(ctx);
    if (body != null) {
      BusRequests.of(vertx).<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(timeoutMs)
          .addHeader(RequestIds.HEADER, requestId(ctx)))
        .onSuccess(reply -> json(ctx, status, reply.body()))
        .onFailure(ctx::fail);
    }
  }

  private void withBody(RoutingContext ctx, String address, int status, Function<JsonObject, JsonObject> shape) {
    JsonObject body = JsonBodies.of(ctx);
    if (body != null) {
      forward(ctx, address, shape.apply(body), status);
    }
  }

  private void forward(RoutingContext ctx, String address, JsonObject body, int status) {
    forward(ctx, address, body, status, AS_IS);
  }

  /** Forwards with the caller's identity; {@code shape} may turn reply fields into headers first. */
  private void forward(RoutingContext ctx, String address, JsonObject body, int status, BiConsumer<RoutingContext, JsonObject> shape) {
    Caller caller = ctx.get(CALLER);
    BusRequests.of(vertx).<JsonObject>request(address, body, caller.deliveryOptions().setSendTimeout(timeoutMs)
        .addHeader(RequestIds.HEADER, requestId(ctx)))
      .onSuccess(reply -> {
        shape.accept(ctx, reply.body());
        json(ctx, status, reply.body());
      })
      .onFailure(ctx::fail);
  }

  private static String requestId(RoutingContext ctx) {
    String id = ctx.get(RequestIds.CONTEXT_KEY);
    return id == null ? RequestIds.next() : id;
  }

  /** An idempotent replay answers exactly as the original did, flagged by a header for clients that care. */
  private static void markReplay(RoutingContext ctx, JsonObject sent) {
    if (Boolean.TRUE.equals(sent.remove("duplicate"))) {
      ctx.response().putHeader("Idempotent-Replayed", "true");
    }
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended()) {
      return; // answered already, e.g. 504 by the TimeoutHandler while the concern was still working
    }
    if (status == 204) {
      ctx.response().setStatusCode(204).end();
      return;
    }
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.encode());
  }
}
