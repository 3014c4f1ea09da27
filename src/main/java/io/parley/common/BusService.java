package io.parley.common;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Request/reply plumbing shared by the concern verticles: a handler returns a Future, typed
 * {@link Failure}s reach the caller with their code, anything else is logged once and becomes INTERNAL.
 */
public final class BusService {

  private static final Logger LOG = LoggerFactory.getLogger(BusService.class);

  private final EventBus eventBus;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  public BusService(EventBus eventBus) {
    this.eventBus = eventBus;
  }

  /** An address that acts for an authenticated caller; messages without identity are refused. */
  public BusService serve(String address, BiFunction<Caller, JsonObject, Future<?>> handler) {
    return listen(address, message -> {
      Caller caller = Caller.of(message);
      if (caller == null) {
        return Failure.fail(CommonError.UNAUTHENTICATED, "no caller identity on " + address);
      }
      return handler.apply(caller, body(message));
    });
  }

  /** An address open to anonymous requests (register, login, refresh). */
  public BusService serveAnonymous(String address, Function<JsonObject, Future<?>> handler) {
    return listen(address, message -> handler.apply(body(message)));
  }

  /** Completes once every address is registered (cluster-wide when clustered). */
  public Future<Void> ready() {
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  private BusService listen(String address, Function<Message<JsonObject>, Future<?>> handler) {
    consumers.add(eventBus.<JsonObject>consumer(address, message -> {
      Future<?> result;
      try {
        result = handler.apply(message);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onComplete(ar -> {
        if (ar.succeeded()) {
          message.reply(ar.result());
        } else {
          replyFailure(address, message, ar.cause());
        }
      });
    }));
    return this;
  }

  private static JsonObject body(Message<JsonObject> message) {
    Object body = message.body();
    if (body == null) {
      return new JsonObject();
    }
    if (body instanceof JsonObject json) {
      return json;
    }
    throw new Failure(CommonError.VALIDATION_FAILED, "message body must be a JSON object");
  }

  /** Typed failures, also those relayed from another concern, keep their code; the rest become INTERNAL. */
  private static void replyFailure(String address, Message<?> message, Throwable cause) {
    ErrorCode code = ErrorCodes.of(cause);
    if (code == CommonError.INTERNAL) {
      LOG.error("request to {} failed unexpectedly", address, cause);
    }
    message.fail(code.failureCode(), code.code() + ": " + ErrorCodes.detailOf(cause, code));
  }

  /** Stops taking requests, e.g. first thing on shutdown so in-flight work can drain. */
  public Future<Void> close() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }
}
