package io.parley.attachments.api;

/**
 * Event-bus addresses served by the attachments concern. Bytes never cross the bus: uploads and
 * downloads stream between the gateway's HTTP request and the store on the node that took the request
 * ({@code io.parley.attachments.Attachments}); the bus carries only what other concerns ask of it.
 */
public final class AttachmentsAddresses {

  /**
   * {@link ClaimAttachments} → {attachments: [{@link Attachment}...]}: makes the caller's uploads part of
   * the caller's message (once per attachment; the same message again is a resend). Delivery asks before
   * it stores the message.
   */
  public static final String CLAIM = "parley.attachments.claim";
  /** {attachmentIds: [...]} → {}: removes a deleted message's attachments (files, previews, records); idempotent. */
  public static final String DISCARD = "parley.attachments.discard";

  private AttachmentsAddresses() {
  }
}
