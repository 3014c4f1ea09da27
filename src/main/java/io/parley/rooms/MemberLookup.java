package io.parley.rooms;

import io.parley.auth.api.UserRef;
import io.parley.common.Caller;
import io.parley.rooms.api.MembersAmong;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which of some users are members of a conversation — for delivery, to resolve {@code @names} and to
 * tell thread followers — by key lookups of just those users (names through auth, memberships by id),
 * never by reading the whole member list. Asked by a member only.
 */
final class MemberLookup {

  private final Access access;
  private final MembershipStore memberships;
  private final UserDirectory users;

  MemberLookup(Access access, MembershipStore memberships, UserDirectory users) {
    this.access = access;
    this.memberships = memberships;
    this.users = users;
  }

  Future<JsonObject> among(Caller caller, MembersAmong request) {
    String id = request.conversationId();
    return access.memberOf(caller, id)
      .compose(member -> request.usernames().isEmpty() ? Future.succeededFuture(List.<UserRef>of())
        : users.resolve(caller, request.usernames()))
      .compose(named -> {
        Set<String> userIds = new LinkedHashSet<>(request.userIds());
        named.forEach(user -> userIds.add(user.userId()));
        return memberships.of(caller.tenant(), id, userIds);
      })
      .map(found -> new JsonObject().put("members", new JsonArray(found.stream()
        .map(m -> new UserRef(m.getString("userId"), m.getString("username")).toJson()).toList())));
  }
}
