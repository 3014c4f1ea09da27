package io.parley.gateway.rest;

import io.parley.common.CommonError;
import io.parley.common.Failure;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The API's paths and the methods each takes, so that a known path asked with another method answers
 * 405 with {@code Allow}, and an unknown one 404, before anything else (token, body) is looked at —
 * vertx-web would answer 405 only when no other route matched, and the token check matches every request.
 */
final class KnownRoutes {

  private record Known(HttpMethod method, Pattern path, RestRates.Limit limit) {
  }

  private final List<Known> routes = new ArrayList<>();

  /** Records {@code method path} (vertx-web syntax, {@code :name} for a segment), under no rate limit. */
  String add(HttpMethod method, String path) {
    return add(method, path, RestRates.Limit.NONE);
  }

  /** Records {@code method path} and the rate limit its requests count against; returns the path. */
  String add(HttpMethod method, String path, RestRates.Limit limit) {
    routes.add(new Known(method, Pattern.compile(path.replaceAll(":[A-Za-z]+", "[^/]+")), limit));
    return path;
  }

  /**
   * Passes on a known method and path, noting its rate limit for {@link RestRates}; else fails with
   * METHOD_NOT_ALLOWED (known path) or NOT_FOUND.
   */
  void check(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    String mount = ctx.mountPoint();
    if (mount != null && path.startsWith(mount)) {
      path = path.substring(mount.length());
    }
    if (!path.startsWith("/")) {
      path = "/" + path;
    }
    Set<String> allowed = new LinkedHashSet<>();
    for (Known known : routes) {
      if (known.path().matcher(path).matches()) {
        if (known.method().equals(ctx.request().method())) {
          RestRates.note(ctx, known.limit());
          ctx.next();
          return;
        }
        allowed.add(known.method().name());
      }
    }
    if (allowed.isEmpty()) {
      ctx.fail(new Failure(CommonError.NOT_FOUND, "no such resource: " + ctx.request().method() + " " + ctx.request().path()));
      return;
    }
    ctx.response().putHeader("Allow", String.join(", ", allowed));
    ctx.fail(new Failure(CommonError.METHOD_NOT_ALLOWED, ctx.request().method() + " is not allowed here; allowed: "
      + String.join(", ", allowed)));
  }
}
