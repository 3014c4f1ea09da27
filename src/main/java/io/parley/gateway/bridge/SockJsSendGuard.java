package io.parley.gateway.bridge;

import io.parley.common.CommonError;
import io.parley.gateway.errors.ErrorResponses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks what a client sends to SockJS's HTTP transports before vertx-web's SockJS handler sees it, which
 * answers broken input with 500 ("Broken JSON encoding.", "Payload expected.", "Invalid Content-Type",
 * "callback parameter required") and decodes bodies leniently (invalid UTF-8 would be stored as
 * replacement characters). Here: an {@code xhr_send} or {@code jsonp_send} body must be strict UTF-8 and
 * a JSON array of strings (400 {@code BAD_JSON}); {@code jsonp_send} takes only the two content types
 * SockJS names (415); {@code jsonp} and {@code htmlfile} need a valid callback (400). The size bound is
 * the body handler's before it (413). Mounted on {@code /eventbus/*} after the body handler.
 */
public final class SockJsSendGuard {

  private static final Pattern TRANSPORT = Pattern.compile("/eventbus/[^/.]+/[^/.]+/(xhr_send|jsonp_send|jsonp|htmlfile)");
  /** vertx-web's own rule for callbacks (it refuses others with 500). */
  private static final Pattern CALLBACK = Pattern.compile("[a-zA-Z0-9_.-]{1,32}");
  private static final String FORM = "application/x-www-form-urlencoded";
  private static final String TEXT = "text/plain";

  private SockJsSendGuard() {
  }

  public static void check(RoutingContext ctx) {
    Matcher transport = TRANSPORT.matcher(ctx.request().path());
    if (!transport.matches()) {
      ctx.next();
      return;
    }
    HttpMethod method = ctx.request().method();
    switch (transport.group(1)) {
      case "xhr_send" -> {
        if (method == HttpMethod.POST) {
          checkBatch(ctx, ctx.body().buffer());
        } else {
          ctx.next();
        }
      }
      case "jsonp_send" -> {
        if (method == HttpMethod.POST) {
          checkJsonpSend(ctx);
        } else {
          ctx.next();
        }
      }
      default -> checkCallback(ctx);
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

  private static void checkJsonpSend(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    Buffer body = ctx.body().buffer();
    if (TEXT.equalsIgnoreCase(type)) {
      checkBatch(ctx, body);
    } else if (!FORM.equalsIgnoreCase(type)) {
      ErrorResponses.send(ctx, CommonError.UNSUPPORTED_MEDIA_TYPE, "jsonp_send takes " + FORM + " (d=<batch>) or " + TEXT);
    } else if (body == null || !body.toString().startsWith("d=")) {
      ErrorResponses.send(ctx, CommonError.BAD_JSON, "send the batch as the form field d");
    } else {
      Buffer batch = FormField.decode(body.getBuffer(2, body.length()));
      if (batch == null) {
        ErrorResponses.send(ctx, CommonError.BAD_JSON, "the form field d is not percent-encoded");
      } else {
        checkBatch(ctx, batch);
      }
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

  /** {@code application/x-www-form-urlencoded} decoding into bytes, so the UTF-8 check sees what was sent. */
  private static final class FormField {

    /** The decoded bytes, or null if a {@code %} is not followed by two hex digits. */
    static Buffer decode(Buffer encoded) {
      Buffer decoded = Buffer.buffer(encoded.length());
      for (int i = 0; i < encoded.length(); i++) {
        byte b = encoded.getByte(i);
        if (b == '+') {
          decoded.appendByte((byte) ' ');
        } else if (b != '%') {
          decoded.appendByte(b);
        } else if (i + 2 < encoded.length() && hex(encoded.getByte(i + 1)) >= 0 && hex(encoded.getByte(i + 2)) >= 0) {
          decoded.appendByte((byte) (hex(encoded.getByte(i + 1)) << 4 | hex(encoded.getByte(i + 2))));
          i += 2;
        } else {
          return null;
        }
      }
      return decoded;
    }

    private static int hex(byte b) {
      return Character.digit(b, 16);
    }
  }
}
