package io.parley.gateway.rest;

import io.parley.attachments.Attachments;
import io.parley.attachments.Download;
import io.parley.attachments.api.AttachmentError;
import io.parley.common.Caller;
import io.parley.common.CommonError;
import io.parley.common.Failure;
import io.parley.gateway.errors.ErrorResponses;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Upload ({@code POST /api/conversations/:id/attachments}, multipart field {@code file}) and download
 * ({@code GET /api/attachments/:id}, {@code …/thumbnail}). An upload is admitted (membership, the day's
 * allowance) before its body is read; vertx-web's body handler then streams the file to disk, refusing
 * past the size limit as it goes; {@link Attachments} checks and stores it. A download streams from the
 * store as the client takes it, with the headers that keep a browser from running or sniffing it.
 */
final class AttachmentRoutes {

  static final String UPLOAD = "/conversations/:id/attachments";
  static final String DOWNLOAD = "/attachments/:id";
  static final String THUMBNAIL = "/attachments/:id/thumbnail";
  /** Room for the multipart framing around the file within the body limit. */
  private static final long MULTIPART_SLACK = 16 * 1024;
  private static final Pattern UPLOAD_PATH = Pattern.compile(".*/conversations/[^/]+/attachments/?");
  private static final Pattern TRANSFER_PATH = Pattern.compile(".*/conversations/[^/]+/attachments/?|.*/attachments/[^/]+(/thumbnail)?/?");
  private static final Pattern BOUNDARY = Pattern.compile(";\\s*boundary=(\"[^\"]{1,70}\"|[^\\s;\"]{1,70})\\s*(;|$)",
    Pattern.CASE_INSENSITIVE);
  private static final String FAILED_IN_BODY = "parley.upload.reading";
  private static final long TRUNCATION_CHECK_MS = 500;
  private static final long TRUNCATION_GRACE_MS = 3000;

  private final Attachments attachments;
  private final BodyHandler body;

  AttachmentRoutes(Attachments attachments) {
    this.attachments = attachments;
    this.body = BodyHandler.create(attachments.uploadsDir().toString())
      .setBodyLimit(attachments.maxFileBytes() + MULTIPART_SLACK)
      .setHandleFileUploads(true)
      .setDeleteUploadedFilesOnEnd(true)
      .setMergeFormAttributes(false);
  }

  private static boolean isUpload(RoutingContext ctx) {
    return ctx.request().method() == HttpMethod.POST && UPLOAD_PATH.matcher(ctx.normalizedPath()).matches();
  }

  /** Uploads and downloads last as long as the bytes take: the API's request timeout is not theirs. */
  static Handler<RoutingContext> exceptTransfers(Handler<RoutingContext> timeout) {
    return ctx -> {
      if (TRANSFER_PATH.matcher(ctx.normalizedPath()).matches()) {
        ctx.next();
      } else {
        timeout.handle(ctx);
      }
    };
  }

  /** Headers only: an upload is multipart, every other body JSON. */
  static void requireBodyType(RoutingContext ctx) {
    if (isUpload(ctx)) {
      requireMultipart(ctx);
    } else {
      JsonBodies.requireJsonType(ctx);
    }
  }

  /**
   * Headers only: an upload must be {@code multipart/form-data} with a boundary of 1–70 characters
   * (RFC 2046). An empty boundary left the multipart decoder waiting forever, found by the fuzzer.
   */
  private static void requireMultipart(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      ctx.fail(new Failure(CommonError.UNSUPPORTED_MEDIA_TYPE, "send the file as multipart/form-data, field 'file'"));
    } else if (!BOUNDARY.matcher(type).find()) {
      ctx.fail(new Failure(CommonError.VALIDATION_FAILED, "multipart/form-data needs a boundary of 1-70 characters"));
    } else {
      ctx.next();
    }
  }

  /** Membership and allowance, before a byte of the body is read. */
  void admit(RoutingContext ctx) {
    Caller caller = ctx.get(ApiRoutes.CALLER);
    attachments.admit(caller, ctx.pathParam("id")).onSuccess(v -> {
      ctx.put(FAILED_IN_BODY, true);
      watchForTruncation(ctx);
      body.handle(ctx);
    }).onFailure(ctx::fail);
  }

  /**
   * A multipart body that ends inside a file part never completes that part: the body handler would wait
   * for it forever, holding the connection and the partial file. Once the request has ended, the parts
   * have {@link #TRUNCATION_GRACE_MS} to be written out (the last buffers reach the disk); a body still
   * unfinished then was cut short, and is refused.
   */
  private static void watchForTruncation(RoutingContext ctx) {
    long[] endedAt = {0};
    long timer = ctx.vertx().setPeriodic(TRUNCATION_CHECK_MS, id -> {
      if (ctx.get(FAILED_IN_BODY) == null || ctx.failed() || ctx.response().ended()) {
        ctx.vertx().cancelTimer(id);
      } else if (ctx.request().isEnded()) {
        long now = System.currentTimeMillis();
        if (endedAt[0] == 0) {
          endedAt[0] = now;
        } else if (now - endedAt[0] >= TRUNCATION_GRACE_MS) {
          ctx.vertx().cancelTimer(id);
          // Answered first: cancelling the parts then fails their writes, which must find the request answered.
          ctx.fail(new Failure(CommonError.VALIDATION_FAILED, "the multipart body ended inside a part"));
          ctx.cancelAndCleanupFileUploads();
        }
      }
    });
    ctx.addEndHandler(done -> ctx.vertx().cancelTimer(timer));
  }

  void accept(RoutingContext ctx) {
    ctx.remove(FAILED_IN_BODY);
    List<FileUpload> files = ctx.fileUploads();
    if (files.size() != 1 || !"file".equals(files.get(0).name())) {
      ctx.fail(new Failure(CommonError.VALIDATION_FAILED, "send exactly one file, as the multipart field 'file'"));
      return;
    }
    FileUpload file = files.get(0);
    Caller caller = ctx.get(ApiRoutes.CALLER);
    attachments.accept(caller, ctx.pathParam("id"), Path.of(file.uploadedFileName()), file.fileName(), file.size())
      .onSuccess(stored -> ctx.response().setStatusCode(201).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(stored.toJson().encode()))
      .onFailure(ctx::fail);
  }

  /**
   * Failures while the multipart body was read are the client's (a malformed body, an oversized field):
   * said so, never an internal error; the size limit is named.
   */
  void failed(RoutingContext ctx) {
    if (ctx.response().ended()) {
      return; // answered already; a later failure of the same body (e.g. its cancelled parts) has nothing to add
    }
    Throwable failure = ctx.failure();
    int status = failure instanceof HttpException http ? http.getStatusCode() : ctx.statusCode();
    if (status == 413) {
      ErrorResponses.send(ctx, CommonError.PAYLOAD_TOO_LARGE, "a file may have at most " + attachments.maxFileBytes() + " bytes");
    } else if (Boolean.TRUE.equals(ctx.get(FAILED_IN_BODY)) && !(failure instanceof Failure) && status < 500) {
      ErrorResponses.send(ctx, CommonError.VALIDATION_FAILED, "the multipart body is malformed");
    } else {
      ctx.next();
    }
  }

  void download(RoutingContext ctx, boolean thumbnail) {
    Caller caller = ctx.get(ApiRoutes.CALLER);
    attachments.download(caller, ctx.pathParam("id"), thumbnail).onSuccess(file -> serve(ctx, file)).onFailure(ctx::fail);
  }

  private static void serve(RoutingContext ctx, Download file) {
    HttpServerResponse response = ctx.response()
      .putHeader(HttpHeaders.ETAG, file.etag())
      // Revalidated every time: whether the caller may still read it is asked again.
      .putHeader(HttpHeaders.CACHE_CONTROL, "private, no-cache")
      .putHeader("X-Content-Type-Options", "nosniff")
      .putHeader("Content-Security-Policy", "default-src 'none'; sandbox")
      .putHeader(HttpHeaders.ACCEPT_RANGES, "bytes")
      .putHeader(HttpHeaders.CONTENT_DISPOSITION, disposition(file))
      // Stored bytes go out as they are (no gzip of images and archives; Content-Length stays true).
      .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
    if (matches(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH), file.etag())) {
      response.setStatusCode(304).end();
      return;
    }
    String ifRange = ctx.request().getHeader("If-Range");
    ByteRange range = ifRange == null || ifRange.equals(file.etag()) ? ByteRange.of(ctx.request().getHeader("Range"), file.size()) : null;
    if (range == ByteRange.UNSATISFIABLE) {
      response.putHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + file.size());
      ErrorResponses.send(ctx, AttachmentError.RANGE_NOT_SATISFIABLE, "the file has " + file.size() + " bytes");
      return;
    }
    long first = range == null ? 0 : range.first();
    long last = range == null ? file.size() - 1 : range.last();
    if (range != null) {
      response.setStatusCode(206).putHeader(HttpHeaders.CONTENT_RANGE, "bytes " + first + "-" + last + "/" + file.size());
    }
    response.putHeader(HttpHeaders.CONTENT_TYPE, file.contentType())
      .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(last - first + 1));
    file.writeTo(response, first, last).onSuccess(v -> response.end()).onFailure(err -> {
      if (response.headWritten()) {
        response.reset(); // part of the file went out: the client must see the transfer broken, not short
      } else {
        ctx.fail(err);
      }
    });
  }

  /** {@code If-None-Match}: {@code *}, or a list of tags compared weakly (RFC 9110 §13.1.2: {@code W/} ignored). */
  static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null) {
      return false;
    }
    for (String tag : ifNoneMatch.split(",")) {
      String t = tag.trim();
      if (t.equals("*") || (t.startsWith("W/") ? t.substring(2) : t).equals(etag)) {
        return true;
      }
    }
    return false;
  }

  /** {@code attachment} (or {@code inline} for checked images) with an ASCII name and the exact one in UTF-8. */
  static String disposition(Download file) {
    String ascii = file.name().replaceAll("[^\\x20-\\x7e]|[\"\\\\]", "_");
    String exact = URLEncoder.encode(file.name(), StandardCharsets.UTF_8).replace("+", "%20");
    return (file.inline() ? "inline" : "attachment") + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + exact;
  }
}
