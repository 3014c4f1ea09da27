package io.parley.gateway.bridge;

import io.parley.common.StrictUtf8;
import io.parley.common.CommonError;
import io.parley.gateway.errors.ErrorResponses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks what a client sends to SockJS's HTTP transports before vertx-web's SockJS handler sees it, which
 * answers broken input with 500 ("Broken JSON encoding.", "Payload expected.", "callback parameter
 * required") and decodes bodies leniently (invalid UTF-8 would be stored as replacement characters). Here:
 * a form or multipart body is refused on its headers (415, {@link #refuseForms}, before the body handler:
 * no form decoder ever runs on the bridge; JSONP, the one transport that posts forms, is off); an
 * {@code xhr_send} body must be strict UTF-8 and a JSON array of strings (400 {@code BAD_JSON}); {@code
 * htmlfile} needs a valid callback (400). The size bound is the body handler's (413).
 */
public final class SockJsSendGuard {

  private static final Pattern TRANSPORT = Pattern.compile("/eventbus/[^/.]+/[^/.]+/(xhr_send|htmlfile)");
  /** vertx-web's own rule for callbacks (it refuses others with 500). */
  private static final Pattern CALLBACK = Pattern.compile("[a-zA-Z0-9_.-]{1,32}");

  private SockJsSendGuard() {
  }

  /** Before the body handler: a form or multipart body is never read, let alone decoded. */
  public static void refuseForms(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (media.equals("application/x-www-form-urlencoded") || media.startsWith("multipart/")) {
      ErrorResponses.send(ctx, CommonError.UNSUPPORTED_MEDIA_TYPE, "the bridge takes SockJS batches as text, never forms");
    } else {
      ctx.next();
    }
  }

  public static void check(RoutingContext ctx) {
    Matcher transport = TRANSPORT.matcher(ctx.request().path());
    if (!transport.matches()) {
      ctx.next();
    } else if (transport.group(1).equals("xhr_send")) {
      if (ctx.request().method() == HttpMethod.POST) {
        checkBatch(ctx, ctx.body().buffer());
      } else {
        ctx.next();
      }
    } else {
      checkCallback(ctx);
    }
  }

  private static void checkBatch(RoutingContext ctx, Buffer body) {
    if (body == null || body.length() == 0) {
      ErrorResponses.send(ctx, CommonError.BAD_JSON, "send a SockJS batch: a JSON array of strings");
    } else if (!StrictUtf8.isValid(body)) {
      ErrorResponses.send(ctx, CommonError.BAD_JSON, "request body is not valid UTF-8");
    } else if (SockJsFraming.decode(body.toString()) == null) {
      ErrorResponses.send(ctx, CommonError.BAD_JSON, "a SockJS batch is a JSON array of strings");
    } else {
      ctx.next();
    }
  }

  private static void checkCallback(RoutingContext ctx) {
    String callback = ctx.request().getParam("callback");
    callback = callback != null ? callback : ctx.request().getParam("c");
    if (ctx.request().method() == HttpMethod.GET && (callback == null || !CALLBACK.matcher(callback).matches())) {
      ErrorResponses.send(ctx, CommonError.VALIDATION_FAILED, "callback (or c) must be 1-32 of A-Z a-z 0-9 _ . -");
    } else {
      ctx.next();
    }
  }
}
