package io.parley.gateway.errors;

import io.parley.auth.api.AuthError;
import io.parley.common.CommonError;
import io.parley.common.ErrorCode;
import io.parley.common.ErrorCodes;
import io.parley.common.RequestIds;
import io.parley.common.RetryAfter;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns every failure on the REST API into {@code {"error":{"code","message"}}} with a fitting status. */
public final class ErrorResponses {

  private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);

  private ErrorResponses() {
  }

  public static void send(RoutingContext ctx, ErrorCode code, String message) {
    if (ctx.response().ended()) {
      return;
    }
    if (code != CommonError.INTERNAL) {
      // One line per refused request: what and why, never the body or headers (they may hold secrets).
      LOG.atInfo().addKeyValue("requestId", requestId(ctx))
        .log("refused {} {}: {} {}", ctx.request().method(), ctx.request().path(), code.httpStatus(), code.code());
    }
    if (code == CommonError.RATE_LIMITED) {
      RetryAfter.seconds(message).ifPresent(seconds -> ctx.response().putHeader("Retry-After", String.valueOf(seconds)));
    }
    ctx.response()
      .setStatusCode(code.httpStatus())
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
      .end(new JsonObject().put("error", new JsonObject().put("code", code.code()).put("message", message)).encode());
  }

  private static String requestId(RoutingContext ctx) {
    String id = ctx.get(RequestIds.CONTEXT_KEY);
    return id == null ? "-" : id;
  }

  /** Router failure handler: typed failures keep their code; web-layer failures map by status. */
  public static void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    // A handler that failed with a 4xx and a cause (e.g. the body handler on a form it cannot decode) met bad
    // input: answered by its status below, not as an internal error.
    boolean clientError = ctx.statusCode() >= 400 && ctx.statusCode() < 500;
    if (failure != null && !(failure instanceof HttpException) && !clientError) {
      ErrorCode code = GatewayErrors.CODES.of(failure);
      if (code == CommonError.INTERNAL) {
        LOG.atError().addKeyValue("requestId", requestId(ctx)).setCause(failure)
          .log("{} {} failed", ctx.request().method(), ctx.request().path());
      }
      send(ctx, code, ErrorCodes.detailOf(failure, code));
      return;
    }
    int status = failure instanceof HttpException http ? http.getStatusCode() : ctx.statusCode();
    switch (status) {
      case 400 -> send(ctx, CommonError.BAD_JSON, "request body is not valid JSON");
      case 401 -> {
        boolean presented = ctx.request().getHeader(HttpHeaders.AUTHORIZATION) != null;
        send(ctx, presented ? AuthError.TOKEN_INVALID : CommonError.UNAUTHENTICATED,
          presented ? "access token is invalid or expired" : "send 'Authorization: Bearer <accessToken>'");
      }
      case 403 -> send(ctx, CommonError.FORBIDDEN, "forbidden");
      case 404 -> send(ctx, CommonError.NOT_FOUND, "no such resource: " + ctx.request().path());
      case 405 -> send(ctx, CommonError.METHOD_NOT_ALLOWED, ctx.request().method() + " is not allowed here");
      case 413 -> send(ctx, CommonError.PAYLOAD_TOO_LARGE, "request body is too large");
      case 415 -> send(ctx, CommonError.UNSUPPORTED_MEDIA_TYPE, "send application/json");
      case 503 -> send(ctx, CommonError.SERVICE_UNAVAILABLE, "temporarily unavailable");
      case 504 -> send(ctx, CommonError.TIMEOUT, "no answer in time; retry (sends are idempotent)");
      default -> {
        if (status >= 500 || status < 400) {
          LOG.atError().addKeyValue("requestId", requestId(ctx)).setCause(failure)
            .log("{} {} failed with status {}", ctx.request().method(), ctx.request().path(), status);
          send(ctx, CommonError.INTERNAL, "internal error");
        } else {
          send(ctx, CommonError.VALIDATION_FAILED, "bad request");
        }
      }
    }
  }
}
