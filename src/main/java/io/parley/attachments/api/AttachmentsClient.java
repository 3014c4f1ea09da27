package io.parley.attachments.api;

import io.parley.common.BusRequests;
import io.parley.common.Caller;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The attachments concern as other concerns call it over the event bus. */
public final class AttachmentsClient {

  private final BusRequests bus;

  public AttachmentsClient(BusRequests bus) {
    this.bus = bus;
  }

  /**
   * The caller's uploads become part of the caller's message; fails ATTACHMENT_NOT_FOUND,
   * ATTACHMENT_IN_USE or TOO_MANY_ATTACHMENTS, and then nothing is claimed by this call.
   */
  public Future<List<Attachment>> claim(Caller caller, ClaimAttachments claim) {
    return bus.<JsonObject>request(AttachmentsAddresses.CLAIM, claim.toJson(), caller.deliveryOptions())
      .map(reply -> reply.body().getJsonArray("attachments").stream()
        .map(json -> Attachment.fromJson((JsonObject) json)).toList());
  }

  /** Removes these attachments of the caller's tenant (a deleted message's); missing ones are skipped. */
  public Future<Void> discard(Caller caller, List<String> attachmentIds) {
    return bus.request(AttachmentsAddresses.DISCARD, new JsonObject().put("attachmentIds", new JsonArray(attachmentIds)),
      caller.deliveryOptions()).mapEmpty();
  }
}
