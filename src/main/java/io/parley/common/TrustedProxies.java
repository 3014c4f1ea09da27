package io.parley.common;

import io.netty.util.NetUtil;

import java.util.ArrayList;
import java.util.List;

/**
 * Who the client is behind proxies: the peer, unless the peer is a trusted proxy (an IP or CIDR range
 * of {@code http.trusted_proxies}); then the right-most {@code X-Forwarded-For} entry that is not itself
 * a trusted proxy. Anyone else's X-Forwarded-For is ignored, so a client cannot pick its own address.
 * (vertx-web's {@code allowForward} trusts every peer, hence this small class.)
 */
public final class TrustedProxies {

  private record Range(byte[] network, int prefixBits) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int full = prefixBits / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefixBits % 8;
      return rest == 0 || ((address[full] ^ network[full]) & (0xff << (8 - rest)) & 0xff) == 0;
    }
  }

  private final List<Range> ranges;

  private TrustedProxies(List<Range> ranges) {
    this.ranges = ranges;
  }

  /** Parses IP literals and CIDR ranges; throws IllegalArgumentException naming a bad entry (no DNS lookups). */
  public static TrustedProxies of(List<String> entries) {
    List<Range> ranges = new ArrayList<>();
    for (String entry : entries) {
      String[] parts = entry.trim().split("/", 2);
      byte[] network = NetUtil.createByteArrayFromIpAddressString(parts[0]);
      if (network == null) {
        throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR range");
      }
      int bits = network.length * 8;
      if (parts.length == 2) {
        try {
          bits = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
          bits = -1;
        }
        if (bits < 0 || bits > network.length * 8) {
          throw new IllegalArgumentException("'" + entry + "' has a prefix length outside 0.." + network.length * 8);
        }
      }
      ranges.add(new Range(network, bits));
    }
    return new TrustedProxies(List.copyOf(ranges));
  }

  public boolean isEmpty() {
    return ranges.isEmpty();
  }

  /** The client's address for a request from {@code peer} carrying {@code forwardedFor} (may be null). */
  public String client(String peer, String forwardedFor) {
    if (forwardedFor == null || !trusts(peer)) {
      return peer;
    }
    String[] hops = forwardedFor.split(",");
    String client = peer;
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (NetUtil.createByteArrayFromIpAddressString(hop) == null) {
        break; // garbage in the header: the last trusted hop is as far as we can vouch for
      }
      client = hop;
      if (!trusts(hop)) {
        break;
      }
    }
    return client;
  }

  /** True if {@code address} is one of the trusted proxies. */
  public boolean trusts(String address) {
    byte[] bytes = address == null ? null : NetUtil.createByteArrayFromIpAddressString(address);
    return bytes != null && ranges.stream().anyMatch(range -> range.contains(bytes));
  }
}
