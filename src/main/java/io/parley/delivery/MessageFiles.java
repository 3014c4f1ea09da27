package io.parley.delivery;

import io.parley.attachments.api.Attachment;
import io.parley.attachments.api.AttachmentsClient;
import io.parley.attachments.api.ClaimAttachments;
import io.parley.common.Caller;
import io.vertx.core.Future;

import java.util.List;

/** What delivery needs of the attachments concern: a message takes its uploads; a deleted message's go. */
interface MessageFiles {

  /** The sender's uploads become the message's (all or none; again for a resend). */
  Future<List<Attachment>> claim(Caller sender, ClaimAttachments claim);

  /** Removes a deleted message's attachments (of {@code actor}'s tenant); idempotent. */
  Future<Void> discard(Caller actor, List<String> attachmentIds);

  static MessageFiles of(AttachmentsClient attachments) {
    return new MessageFiles() {
      @Override public Future<List<Attachment>> claim(Caller sender, ClaimAttachments claim) { return attachments.claim(sender, claim); }
      @Override public Future<Void> discard(Caller actor, List<String> ids) { return attachments.discard(actor, ids); }
    };
  }
}
