package io.parley.attachments;

import io.parley.attachments.api.Attachment;
import io.parley.attachments.api.AttachmentError;
import io.parley.attachments.api.ClaimAttachments;
import io.parley.common.Caller;
import io.parley.common.Failure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Who may do what with an attachment. An upload is its uploader's alone until a message of theirs, in
 * the conversation it was uploaded to, claims it; from then on the conversation's members may read it,
 * until the message is deleted. Anyone else — another tenant, a non-member, a member before the message
 * — is told it does not exist, exactly as for an id that never did.
 */
final class AttachmentsService {

  private final AttachmentStore store;
  private final Discards discards;
  private final Membership members;
  private final int filesPerMessage;

  AttachmentsService(AttachmentStore store, Discards discards, Membership members, int filesPerMessage) {
    this.store = store;
    this.discards = discards;
    this.members = members;
    this.filesPerMessage = filesPerMessage;
  }

  /** The message takes all the attachments or none; a resend of the same message takes them again. */
  Future<JsonObject> claim(Caller caller, ClaimAttachments claim) {
    List<String> ids = new ArrayList<>(new LinkedHashSet<>(claim.attachmentIds()));
    if (ids.size() > filesPerMessage) {
      return Failure.fail(AttachmentError.TOO_MANY_ATTACHMENTS, "a message may carry at most " + filesPerMessage + " attachments");
    }
    String by = by(claim);
    List<Attachment> found = new ArrayList<>();
    List<String> taken = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (String id : ids) {
      chain = chain.compose(v -> store.find(id)).compose(record -> {
        if (record == null || !caller.tenant().equals(record.getString("tenant"))
          || !caller.userId().equals(record.getString("uploaderId"))
          || !claim.conversationId().equals(record.getString("conversationId"))) {
          return notFound(id);
        }
        return store.claim(id, by).compose(holder -> {
          if (holder == null) {
            taken.add(id);
          } else if (AttachmentStore.EXPIRED.equals(holder)) {
            return notFound(id);
          } else if (!holder.equals(by)) {
            return Failure.fail(AttachmentError.ATTACHMENT_IN_USE, "attachment " + id + " is already part of another message");
          }
          found.add(AttachmentStore.summary(record));
          return Future.succeededFuture();
        });
      });
    }
    return chain.map(v -> new JsonObject().put("attachments", new JsonArray(found.stream().map(Attachment::toJson).toList())))
      .recover(refused -> releaseAll(taken).transform(x -> Future.failedFuture(refused)));
  }

  Future<Void> discard(Caller caller, List<String> attachmentIds) {
    return discards.discard(caller.tenant(), attachmentIds);
  }

  /**
   * The record, when the caller may read the attachment: a member of its conversation who uploaded it,
   * or any member once a message carries it. ATTACHMENT_NOT_FOUND otherwise (a former member too).
   */
  Future<JsonObject> readable(Caller caller, String attachmentId) {
    return store.find(attachmentId).compose(record -> {
      if (record == null || !caller.tenant().equals(record.getString("tenant"))) {
        return notFound(attachmentId);
      }
      Future<Boolean> shown = caller.userId().equals(record.getString("uploaderId")) ? Future.succeededFuture(true)
        : store.holder(attachmentId).map(holder -> holder != null && !AttachmentStore.EXPIRED.equals(holder));
      return shown.compose(visible -> !visible ? notFound(attachmentId)
        : members.isMember(caller, record.getString("conversationId"))
          .compose(member -> member ? Future.succeededFuture(record) : notFound(attachmentId)));
    });
  }

  private static String by(ClaimAttachments claim) {
    return "message:" + claim.conversationId() + "/" + claim.clientMsgId();
  }

  private Future<Void> releaseAll(List<String> taken) {
    Future<Void> chain = Future.succeededFuture();
    for (String id : taken) {
      chain = chain.compose(v -> store.release(id));
    }
    return chain.otherwiseEmpty();
  }

  private static <T> Future<T> notFound(String attachmentId) {
    return Failure.fail(AttachmentError.ATTACHMENT_NOT_FOUND, "no attachment " + attachmentId);
  }
}
