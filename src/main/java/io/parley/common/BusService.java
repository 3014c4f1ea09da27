package io.parley.common;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Request/reply plumbing shared by the concern verticles: a handler returns a Future, typed
 * {@link Failure}s reach the caller with their code, failures relayed from another concern keep
 * theirs, anything else is logged once and becomes INTERNAL.
 */
public final class BusService {

  private static final Logger LOG = LoggerFactory.getLogger(BusService.class);

  private final EventBus eventBus;
  private final UnaryOperator<Throwable> classify;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  /**
   * @param concern  whose ping address this serves (health)
   * @param classify turns infrastructure failures the handlers may meet (e.g. an unreachable store)
   *                 into typed {@link Failure}s; anything it returns untyped is INTERNAL
   */
  public BusService(EventBus eventBus, Concern concern, UnaryOperator<Throwable> classify) {
    this.eventBus = eventBus;
    this.classify = classify;
    serveAnonymous(concern.pingAddress(), body -> Future.succeededFuture(new JsonObject()));
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

  /** Stops taking requests, e.g. first thing on shutdown so in-flight work can drain. */
  public Future<Void> close() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
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
          message.reply(ar.result() instanceof ToJson record ? record.toJson() : ar.result());
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

  private void replyFailure(String address, Message<?> message, Throwable cause) {
    if (cause instanceof ReplyException relayed && !(cause instanceof Failure)
      && relayed.failureType() == ReplyFailure.RECIPIENT_FAILURE && relayed.failureCode() > 0) {
      // Another concern's typed failure, passed on unchanged: its code is declared in that concern's contract.
      message.fail(relayed.failureCode(), relayed.getMessage());
      return;
    }
    Throwable typed = classify.apply(cause);
    ErrorCode code = ErrorCodes.transport(typed);
    if (code == null) {
      code = CommonError.INTERNAL;
      LOG.atError().addKeyValue("requestId", RequestIds.of(message)).setCause(cause)
        .log("request to {} failed unexpectedly", address);
    }
    message.fail(code.failureCode(), code.code() + ": " + ErrorCodes.detailOf(typed, code));
  }
}
