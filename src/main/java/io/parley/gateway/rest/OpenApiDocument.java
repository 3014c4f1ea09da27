package io.parley.gateway.rest;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.io.FileNotFoundException;
import java.io.InputStream;

/**
 * {@code GET /api/openapi.json}: the REST API as an OpenAPI 3.1 document, read once from the classpath
 * (it travels in the jar, so any working directory serves the same document) and served as is.
 */
final class OpenApiDocument implements Handler<RoutingContext> {

  static final String RESOURCE = "openapi/parley-api.json";

  private final Future<Buffer> document;

  OpenApiDocument(Vertx vertx) {
    // Read off the event loop, once; a missing resource fails each request with INTERNAL (a build bug).
    this.document = vertx.executeBlocking(() -> {
      try (InputStream in = OpenApiDocument.class.getClassLoader().getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new FileNotFoundException("classpath resource " + RESOURCE);
        }
        return Buffer.buffer(in.readAllBytes());
      }
    });
  }

  @Override
  public void handle(RoutingContext ctx) {
    document
      .onSuccess(json -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(json))
      .onFailure(ctx::fail);
  }
}
