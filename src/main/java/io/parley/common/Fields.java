package io.parley.common;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** Validation of request fields: each failure names the field and what is wrong with it. */
public final class Fields {

  private Fields() {
  }

  public static String requiredString(JsonObject body, String field, int maxBytes) {
    String value = optionalString(body, field, maxBytes);
    if (value == null || value.isBlank()) {
      throw invalid(field, "is required");
    }
    return value;
  }

  public static String optionalString(JsonObject body, String field, int maxBytes) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw invalid(field, "must be a string");
    }
    if (text.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw new Failure(CommonError.PAYLOAD_TOO_LARGE, field + " must be at most " + maxBytes + " bytes");
    }
    return text;
  }

  public static String matching(JsonObject body, String field, Pattern pattern, String rule) {
    String value = requiredString(body, field, 256);
    if (!pattern.matcher(value).matches()) {
      throw invalid(field, rule);
    }
    return value;
  }

  public static long optionalLong(JsonObject body, String field, long min, long max, long fallback) {
    Object value = body.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number number) || number.doubleValue() != Math.rint(number.doubleValue())) {
      throw invalid(field, "must be an integer");
    }
    long result = number.longValue();
    if (result < min || result > max) {
      throw invalid(field, "must be between " + min + " and " + max);
    }
    return result;
  }

  public static JsonArray optionalArray(JsonObject body, String field, int maxItems) {
    Object value = body.getValue(field);
    if (value == null) {
      return new JsonArray();
    }
    if (!(value instanceof JsonArray array)) {
      throw invalid(field, "must be an array");
    }
    if (array.size() > maxItems) {
      throw invalid(field, "must have at most " + maxItems + " entries");
    }
    return array;
  }

  public static JsonObject optionalObject(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof JsonObject object)) {
      throw invalid(field, "must be an object");
    }
    return object;
  }

  public static Failure invalid(String field, String rule) {
    return new Failure(CommonError.VALIDATION_FAILED, field + " " + rule);
  }
}
