package io.parley.delivery.api;

import java.util.regex.Pattern;

/** Sizes the delivery concern accepts: fixed ones as constants, configured ones ({@code limits.*}) per node. */
public record DeliveryLimits(int messageMaxBytes, int pageMax, int syncBatch, int sendsInFlight) {

  public static final Pattern CLIENT_MSG_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  public static final String CLIENT_MSG_ID_RULE = "must be 1-64 letters, digits or ._:-";
  public static final int DEFAULT_PAGE = 50;
  /** A client's id for a change (edit, delete): the same rule as a clientMsgId. */
  public static final Pattern CLIENT_CHANGE_ID = CLIENT_MSG_ID;
  public static final String CLIENT_CHANGE_ID_RULE = CLIENT_MSG_ID_RULE;
  /** Different emojis one user may have on one message. */
  public static final int REACTIONS_PER_USER = 20;
  /** Different emojis one message may carry. */
  public static final int EMOJIS_PER_MESSAGE = 50;
  /** Who reacted, per emoji, as the message carries it: the first ones, beside the full count. */
  public static final int REACTORS_SHOWN = 20;
  /** Different {@code @username}s one message may mention; a flood of mentions is refused whole. */
  public static final int MENTIONS_PER_MESSAGE = 50;
  /** An attachment id as uploads answer it (the attachments concern bounds how many a message may carry). */
  public static final Pattern ATTACHMENT_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
  /** Ids one send may name at all, whatever the configured bound: enough to parse, never a flood. */
  public static final int ATTACHMENT_IDS_MAX = 100;
}
