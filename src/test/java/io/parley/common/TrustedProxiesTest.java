package io.parley.common;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who the client is: the peer unless a trusted proxy forwarded the request; a client cannot name itself. */
class TrustedProxiesTest {

  private final TrustedProxies proxies = TrustedProxies.of(List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"));

  @Test
  void an_untrusted_peer_is_the_client_whatever_it_forwards() {
    assertEquals("203.0.113.9", proxies.client("203.0.113.9", "1.2.3.4"));
    assertEquals("203.0.113.9", proxies.client("203.0.113.9", null));
  }

  @Test
  void behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
    assertEquals("1.2.3.4", proxies.client("10.1.2.3", "1.2.3.4"));
    assertEquals("1.2.3.4", proxies.client("10.1.2.3", "6.6.6.6, 1.2.3.4, 192.168.1.7"), "a spoofed left-most entry is ignored");
    assertEquals("2001:db8::1", proxies.client("fd12::1", "2001:db8::1"));
    assertEquals("192.168.1.7", proxies.client("10.1.2.3", "garbage, 192.168.1.7"), "unparseable hops stop the walk");
    assertEquals("10.9.9.9", proxies.client("10.1.2.3", "10.9.9.9"), "only proxies: the left-most one");
    assertEquals("10.1.2.3", proxies.client("10.1.2.3", null));
  }

  @Test
  void prefixes_match_on_bits_and_entries_must_be_ip_literals() {
    TrustedProxies narrow = TrustedProxies.of(List.of("172.16.0.0/12"));
    assertEquals("1.1.1.1", narrow.client("172.31.255.255", "1.1.1.1"));
    assertEquals("172.32.0.1", narrow.client("172.32.0.1", "1.1.1.1"));
    assertTrue(TrustedProxies.of(List.of()).isEmpty());
    assertThrows(IllegalArgumentException.class, () -> TrustedProxies.of(List.of("proxy.example.com")), "no DNS lookups");
    assertThrows(IllegalArgumentException.class, () -> TrustedProxies.of(List.of("10.0.0.0/33")));
  }
}
