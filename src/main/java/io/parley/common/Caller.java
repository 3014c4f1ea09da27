package io.parley.common;

import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

/**
 * The authenticated user a request acts for. Only the gateway creates one (from a verified JWT) and
 * puts it into event-bus headers; anything a client put in those headers is overwritten first.
 */
public record Caller(String tenant, String userId, String username) {

  public static final String TENANT_HEADER = "parley-tenant";
  public static final String USER_HEADER = "parley-user";
  public static final String USERNAME_HEADER = "parley-username";

  public DeliveryOptions deliveryOptions() {
    return new DeliveryOptions()
      .addHeader(TENANT_HEADER, tenant)
      .addHeader(USER_HEADER, userId)
      .addHeader(USERNAME_HEADER, username);
  }

  /** Headers for a frame the bridge forwards: the client's own headers never survive. */
  public MultiMap headers() {
    return MultiMap.caseInsensitiveMultiMap()
      .add(TENANT_HEADER, tenant)
      .add(USER_HEADER, userId)
      .add(USERNAME_HEADER, username);
  }

  /** The caller of a request, or null when the message carries no identity. */
  public static Caller of(Message<?> message) {
    MultiMap headers = message.headers();
    String tenant = headers.get(TENANT_HEADER);
    String user = headers.get(USER_HEADER);
    if (tenant == null || user == null) {
      return null;
    }
    return new Caller(tenant, user, headers.get(USERNAME_HEADER));
  }
}
