package io.parley.gateway.errors;

import io.parley.attachments.api.AttachmentError;
import io.parley.auth.api.AuthError;
import io.parley.common.ErrorCode;
import io.parley.common.ErrorCodes;
import io.parley.delivery.api.DeliveryError;
import io.parley.rooms.api.RoomsError;

import java.util.List;

/** Every code a client can see, from every concern's contract: what the edge maps failures with. */
public final class GatewayErrors {

  public static final List<ErrorCode[]> DECLARED = List.of(AuthError.values(), RoomsError.values(), AttachmentError.values(),
    DeliveryError.values());
  public static final ErrorCodes CODES = new ErrorCodes(DECLARED);

  private GatewayErrors() {
  }
}
