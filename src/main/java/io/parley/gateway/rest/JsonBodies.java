package io.parley.gateway.rest;

import io.parley.common.CommonError;
import io.parley.common.Failure;
import io.parley.common.StrictUtf8;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Locale;

/** How the REST API takes bodies: JSON only, said in the headers, strict UTF-8, a JSON object. */
final class JsonBodies {

  private JsonBodies() {
  }

  /**
   * A request with a body must say it is JSON: the API takes nothing else, and a form or multipart body
   * must never reach a parser (vertx-web's form decoder failed over ~8 KB with a 500). Headers only.
   */
  static void requireJsonType(RoutingContext ctx) {
    String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    boolean hasBody = ctx.request().getHeader(HttpHeaders.TRANSFER_ENCODING) != null
      || (length != null && !length.trim().equals("0"));
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    String mediaType = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (hasBody && !mediaType.equals("application/json")) {
      ctx.fail(new Failure(CommonError.UNSUPPORTED_MEDIA_TYPE, "send the body as Content-Type: application/json"
        + (type == null ? "" : " (got " + mediaType + ")")));
    } else {
      ctx.next();
    }
  }

  /** The request body as a JSON object, or null after answering the client with BAD_JSON. */
  static JsonObject of(RoutingContext ctx) {
    Buffer bytes = ctx.body().buffer();
    if (bytes != null && !StrictUtf8.isValid(bytes)) {
      // Decoded leniently, it would be stored with replacement characters: refused instead.
      ctx.fail(new Failure(CommonError.BAD_JSON, "request body is not valid UTF-8"));
      return null;
    }
    String text = bytes == null ? null : bytes.toString();
    if (text == null || text.isBlank()) {
      ctx.fail(new Failure(CommonError.BAD_JSON, "request body must be a JSON object"));
      return null;
    }
    try {
      Object parsed = Json.decodeValue(text);
      if (parsed instanceof JsonObject object) {
        return object;
      }
    } catch (DecodeException e) {
      // falls through to the same answer as a non-object body
    }
    ctx.fail(new Failure(CommonError.BAD_JSON, "request body must be a JSON object"));
    return null;
  }
}
