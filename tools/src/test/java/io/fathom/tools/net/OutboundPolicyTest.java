package io.fathom.tools.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.scheduler.Schedulers;

/** Uses IP literals only (plus "localhost"): there is no DNS in the test environment. */
class OutboundPolicyTest {

  private static final OutboundPolicy STRICT = new OutboundPolicy(List.of(), Schedulers.immediate());

  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "127.1.2.3",
        "::1",
        "10.0.0.1",
        "10.255.255.255",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "169.254.169.254",
        "169.254.0.1",
        "100.64.0.1",
        "100.127.255.254",
        "0.0.0.0",
        "0.1.2.3",
        "::",
        "fc00::1",
        "fd12:3456:789a::1",
        "fe80::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",
        "224.0.0.1",
        "ff02::1",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.0.1",
        "198.18.0.1"
      })
  void refusesInternalAddresses(String literal) {
    assertThat(STRICT.isAllowed(ip(literal))).as(literal).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "::1",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.0.10",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "fc00::1",
        "fe80::1",
        "::ffff:10.0.0.1"
      })
  void checkNowRefusesInternalUrls(String literal) {
    String host = literal.contains(":") ? "[" + literal + "]" : literal;
    URI uri = URI.create("http://" + host + ":8080/hook");
    assertThatThrownBy(() -> STRICT.checkNow(uri))
        .isInstanceOf(RefusedAddressException.class)
        .hasMessageContaining("allow-list");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "172.32.0.1", // just outside 172.16/12
        "172.15.255.255", // just below 172.16/12
        "100.63.255.255", // just below 100.64/10
        "100.128.0.1", // just above 100.64/10
        "192.169.0.1",
        "2606:4700:4700::1111",
        "::ffff:93.184.216.34"
      })
  void allowsPublicAddresses(String literal) {
    assertThat(STRICT.isAllowed(ip(literal))).as(literal).isTrue();
  }

  @Test
  void checkNowAllowsPublicLiterals() {
    assertThatCode(() -> STRICT.checkNow(URI.create("https://93.184.216.34/hook")))
        .doesNotThrowAnyException();
    assertThatCode(() -> STRICT.checkNow(URI.create("http://[2606:4700:4700::1111]:8443/x")))
        .doesNotThrowAnyException();
  }

  @Test
  void checkIsTheNonBlockingFormOfCheckNow() {
    assertThatCode(() -> STRICT.check(URI.create("http://93.184.216.34/")).block())
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> STRICT.check(URI.create("http://10.0.0.1/")).block())
        .isInstanceOf(RefusedAddressException.class);
  }

  @Test
  void singleHostCidrAllowsExactlyThatAddress() {
    OutboundPolicy policy = new OutboundPolicy(List.of("127.0.0.1/32"), Schedulers.immediate());

    assertThat(policy.isAllowed(ip("127.0.0.1"))).isTrue();
    assertThat(policy.isAllowed(ip("127.0.0.2"))).isFalse();
    assertThat(policy.isAllowed(ip("10.0.0.1"))).isFalse();
    assertThatCode(() -> policy.checkNow(URI.create("http://127.0.0.1:9000/x")))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> policy.checkNow(URI.create("http://127.0.0.2:9000/x")))
        .isInstanceOf(RefusedAddressException.class);
  }

  @Test
  void wideCidrAllowsTheWholeBlockOnly() {
    OutboundPolicy policy = new OutboundPolicy(List.of(" 10.0.0.0/8 "), Schedulers.immediate());

    assertThat(policy.isAllowed(ip("10.0.0.1"))).isTrue();
    assertThat(policy.isAllowed(ip("10.255.255.254"))).isTrue();
    assertThat(policy.isAllowed(ip("11.0.0.1"))).isTrue(); // public anyway
    assertThat(policy.isAllowed(ip("192.168.0.1"))).isFalse();
    assertThat(policy.isAllowed(ip("127.0.0.1"))).isFalse();
    assertThat(policy.isAllowed(ip("172.16.0.1"))).isFalse();
  }

  @Test
  void cidrWithPrefixNotOnAByteBoundary() {
    OutboundPolicy policy = new OutboundPolicy(List.of("172.16.0.0/12"), Schedulers.immediate());

    assertThat(policy.isAllowed(ip("172.16.0.1"))).isTrue();
    assertThat(policy.isAllowed(ip("172.31.255.255"))).isTrue();
    assertThat(policy.isAllowed(ip("10.0.0.1"))).isFalse();
    OutboundPolicy narrow = new OutboundPolicy(List.of("192.168.1.128/25"), Schedulers.immediate());
    assertThat(narrow.isAllowed(ip("192.168.1.200"))).isTrue();
    assertThat(narrow.isAllowed(ip("192.168.1.127"))).isFalse();
  }

  @Test
  void ipv6CidrAllowsIpv6AddressesOnly() {
    OutboundPolicy policy = new OutboundPolicy(List.of("fd00::/8"), Schedulers.immediate());

    assertThat(policy.isAllowed(ip("fd00::1"))).isTrue();
    assertThat(policy.isAllowed(ip("fc00::1"))).isFalse();
    assertThat(policy.isAllowed(ip("10.0.0.1"))).isFalse();
  }

  @Test
  void allowListedHostNameSkipsTheAddressCheck() {
    OutboundPolicy policy = new OutboundPolicy(List.of("LocalHost"), Schedulers.immediate());

    assertThatCode(() -> policy.checkNow(URI.create("http://localhost:8080/hook")))
        .doesNotThrowAnyException();
    assertThatCode(() -> policy.checkNow(URI.create("http://LOCALHOST:8080/hook")))
        .doesNotThrowAnyException();
    // The host entry is not an address block: the loopback literal is still refused.
    assertThatThrownBy(() -> policy.checkNow(URI.create("http://127.0.0.1:8080/hook")))
        .isInstanceOf(RefusedAddressException.class);
    assertThat(policy.isAllowed(ip("127.0.0.1"))).isFalse();
  }

  @Test
  void localhostIsRefusedWithoutAnAllowListEntry() {
    assertThatThrownBy(() -> STRICT.checkNow(URI.create("http://localhost:8080/hook")))
        .isInstanceOf(RefusedAddressException.class)
        .hasMessageContaining("localhost");
  }

  @Test
  void blankAllowListEntriesAreIgnored() {
    OutboundPolicy policy = new OutboundPolicy(List.of("", "  "), Schedulers.immediate());

    assertThat(policy.isAllowed(ip("127.0.0.1"))).isFalse();
    assertThat(policy.isAllowed(ip("93.184.216.34"))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://93.184.216.34/file",
        "file:///etc/passwd",
        "gopher://93.184.216.34/",
        "/relative/path",
        "mailto:someone@example.com"
      })
  void checkSyntaxRefusesNonHttpSchemes(String url) {
    assertThatThrownBy(() -> STRICT.checkSyntax(URI.create(url)))
        .isInstanceOf(RefusedAddressException.class)
        .hasMessageContaining("only http and https");
  }

  @Test
  void checkSyntaxAcceptsHttpAndHttpsInAnyCase() {
    assertThatCode(() -> STRICT.checkSyntax(URI.create("http://93.184.216.34/"))).doesNotThrowAnyException();
    assertThatCode(() -> STRICT.checkSyntax(URI.create("HTTPS://93.184.216.34/"))).doesNotThrowAnyException();
  }

  @Test
  void checkSyntaxRefusesAMissingHost() {
    assertThatThrownBy(() -> STRICT.checkSyntax(URI.create("http:///path")))
        .isInstanceOf(RefusedAddressException.class)
        .hasMessageContaining("no host");
    assertThatThrownBy(() -> STRICT.checkSyntax(URI.create("https:/path")))
        .isInstanceOf(RefusedAddressException.class)
        .hasMessageContaining("no host");
  }

  @Test
  void checkSyntaxRefusesCredentialsInTheUrl() {
    assertThatThrownBy(() -> STRICT.checkSyntax(URI.create("https://user:secret@93.184.216.34/hook")))
        .isInstanceOf(RefusedAddressException.class)
        .hasMessageContaining("credentials");
    assertThatThrownBy(() -> STRICT.checkSyntax(URI.create("https://user@93.184.216.34/hook")))
        .isInstanceOf(RefusedAddressException.class)
        .hasMessageContaining("credentials");
  }

  @Test
  void checkNowAppliesTheSyntaxCheckEvenToAllowListedHosts() {
    OutboundPolicy policy = new OutboundPolicy(List.of("localhost"), Schedulers.immediate());

    assertThatThrownBy(() -> policy.checkNow(URI.create("ftp://localhost/x")))
        .isInstanceOf(RefusedAddressException.class);
    assertThatThrownBy(() -> policy.checkNow(URI.create("http://u:p@localhost/x")))
        .isInstanceOf(RefusedAddressException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/x", "10.0.0.0/", "::1/129", "/8", "example.com/8"})
  void badCidrEntriesAreRejected(String entry) {
    assertThatThrownBy(() -> new OutboundPolicy(List.of(entry), Schedulers.immediate()))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(entry);
  }
}
