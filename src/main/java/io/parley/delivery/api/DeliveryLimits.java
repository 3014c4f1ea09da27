package io.parley.delivery.api;

import java.util.regex.Pattern;

/** Sizes the delivery concern accepts: fixed ones as constants, configured ones ({@code limits.*}) per node. */
public record DeliveryLimits(int messageMaxBytes, int pageMax, int syncBatch, int sendsInFlight) {

  public static final Pattern CLIENT_MSG_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  public static final String CLIENT_MSG_ID_RULE = "must be 1-64 letters, digits or ._:-";
  public static final int DEFAULT_PAGE = 50;
}
