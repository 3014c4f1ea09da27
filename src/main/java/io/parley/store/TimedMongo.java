package io.parley.store;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.parley.common.Meters;
import io.vertx.core.Future;
import io.vertx.ext.mongo.MongoClient;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Times every MongoDB call the stores make: {@code parley_store_operation_seconds{operation,collection,outcome}},
 * a histogram, from the call to its answer. Hand-written because nothing does it for us: the Vert.x Mongo client
 * reports no client metrics, and Micrometer's {@code MongoMetricsCommandListener} needs a {@code MongoClientSettings}
 * that {@code MongoClient.createWithMongoSettings} then uses as is, so it would have to carry the client's own
 * JSON codec, which lives in an {@code impl} package. The labels are bounded: a client method's name, a
 * collection name (constants of the stores), {@code ok}/{@code error}.
 */
final class TimedMongo implements InvocationHandler {

  private static final String NO_COLLECTION = "none";
  private final MongoClient target;
  private final MeterRegistry registry = Meters.registry();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  private TimedMongo(MongoClient target) {
    this.target = target;
  }

  static MongoClient wrap(MongoClient target) {
    return (MongoClient) Proxy.newProxyInstance(MongoClient.class.getClassLoader(), new Class<?>[] {MongoClient.class},
      new TimedMongo(target));
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    if (method.getDeclaringClass() == Object.class) {
      return switch (method.getName()) {
        case "equals" -> proxy == args[0];
        case "hashCode" -> System.identityHashCode(proxy);
        default -> "timed " + target;
      };
    }
    if (method.getReturnType() != Future.class || method.getName().equals("close")) {
      return call(method, args);
    }
    long started = System.nanoTime();
    Future<?> answer = (Future<?>) call(method, args);
    return answer.onComplete(ar -> timer(method, args, ar.succeeded()).record(System.nanoTime() - started, TimeUnit.NANOSECONDS));
  }

  private Object call(Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private Timer timer(Method method, Object[] args, boolean ok) {
    // runCommand's first argument is a command name, not a collection.
    String collection = args != null && args.length > 0 && args[0] instanceof String name && !method.getName().equals("runCommand")
      ? name : NO_COLLECTION;
    String outcome = ok ? "ok" : "error";
    return timers.computeIfAbsent(method.getName() + ' ' + collection + ' ' + outcome, key -> Timer.builder("parley_store_operation")
      .description("MongoDB calls of the stores, from the call to its answer")
      .tag("operation", method.getName()).tag("collection", collection).tag("outcome", outcome)
      .serviceLevelObjectives(Meters.LATENCY_BUCKETS).register(registry));
  }
}
