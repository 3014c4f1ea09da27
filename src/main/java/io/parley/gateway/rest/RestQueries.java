package io.parley.gateway.rest;

import io.parley.common.CommonError;
import io.parley.common.Failure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Arrays;

/**
 * What a REST request says in its path and query, as the JSON body its bus address takes: path ids,
 * page bounds and limits as integers (else VALIDATION_FAILED), id lists. Bodies themselves are JSON
 * already ({@link JsonBodies}).
 */
final class RestQueries {

  private RestQueries() {
  }

  /** {@code GET /users} takes exactly one of {@code ?q=} (search by prefix) and {@code ?ids=} (lookup). */
  static boolean isUserSearch(RoutingContext ctx) {
    boolean q = ctx.queryParams().get("q") != null;
    if (q == (ctx.queryParams().get("ids") != null)) {
      throw new Failure(CommonError.VALIDATION_FAILED, "give exactly one of q (a prefix to search) and ids (user ids, comma-separated)");
    }
    return q;
  }

  static JsonObject users(RoutingContext ctx, boolean search) {
    return search ? integers(ctx, new JsonObject().put("q", ctx.queryParams().get("q")), "limit") : idsQuery(ctx.queryParams().get("ids"));
  }

  static JsonObject idBody(RoutingContext ctx) {
    return new JsonObject().put("conversationId", ctx.pathParam("id"));
  }

  static JsonObject withId(RoutingContext ctx, JsonObject body) {
    return body.put("conversationId", ctx.pathParam("id"));
  }

  /** DELETE takes no body: the change's client id, if any, comes as {@code ?clientChangeId=}. */
  static JsonObject deleteQuery(RoutingContext ctx) {
    JsonObject query = new JsonObject().put("messageId", ctx.pathParam("id"));
    String clientChangeId = ctx.queryParams().get("clientChangeId");
    return clientChangeId == null ? query : query.put("clientChangeId", clientChangeId);
  }

  static JsonObject historyQuery(RoutingContext ctx) {
    return pageQuery(ctx, idBody(ctx));
  }

  /** {@code ?ids=a,b,c}: the ids as a list (empty entries dropped); the auth contract checks them. */
  static JsonObject idsQuery(String ids) {
    JsonArray list = new JsonArray();
    Arrays.stream(ids.split(",")).map(String::trim).filter(id -> !id.isEmpty()).forEach(list::add);
    return new JsonObject().put("ids", list);
  }

  /** {@code ?after=&before=&limit=} of a page request, as integers. */
  static JsonObject pageQuery(RoutingContext ctx, JsonObject query) {
    return integers(ctx, query, "after", "before", "limit");
  }

  /** The named query parameters that are present, as integers. */
  static JsonObject integers(RoutingContext ctx, JsonObject query, String... names) {
    for (String name : names) {
      String value = ctx.queryParams().get(name);
      if (value != null) {
        try {
          query.put(name, Long.parseLong(value));
        } catch (NumberFormatException e) {
          throw new Failure(CommonError.VALIDATION_FAILED, name + " must be an integer");
        }
      }
    }
    return query;
  }
}
