package io.fathom.tools.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Decides which hosts outbound requests may reach. Loopback, private, link-local, carrier-grade
 * NAT, unique-local, multicast, unspecified and cloud-metadata addresses are refused unless an
 * allow-list entry (a host name or a CIDR block) covers them.
 */
public final class OutboundPolicy {

  private final List<String> allowedHosts = new ArrayList<>();
  private final List<Cidr> allowedBlocks = new ArrayList<>();
  private final Scheduler resolverScheduler;

  /**
   * @param allowList entries such as {@code 127.0.0.1/32}, {@code 10.0.0.0/8}, {@code
   *     hooks.internal}
   * @param resolverScheduler where blocking DNS look-ups run
   */
  public OutboundPolicy(List<String> allowList, Scheduler resolverScheduler) {
    this.resolverScheduler = resolverScheduler;
    for (String raw : allowList) {
      String entry = raw.trim().toLowerCase(Locale.ROOT);
      if (entry.isEmpty()) {
        continue;
      }
      if (entry.contains("/")) {
        allowedBlocks.add(Cidr.parse(entry));
      } else {
        allowedHosts.add(entry);
      }
    }
  }

  /** Checks the URL's scheme and syntax without touching the network. */
  public void checkSyntax(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new RefusedAddressException("only http and https URLs are allowed, not '" + scheme + "'");
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw new RefusedAddressException("the URL has no host");
    }
    if (uri.getUserInfo() != null) {
      throw new RefusedAddressException("credentials in the URL are not allowed");
    }
  }

  /** Resolves the URL's host (off the caller's thread) and fails if any address is refused. */
  public Mono<Void> check(URI uri) {
    return Mono.fromRunnable(() -> checkNow(uri)).subscribeOn(resolverScheduler).then();
  }

  /** Blocking form of {@link #check}: resolves the host on the calling thread. */
  public void checkNow(URI uri) {
    checkSyntax(uri);
    String host = stripBrackets(uri.getHost().toLowerCase(Locale.ROOT));
    if (allowedHosts.contains(host)) {
      return;
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new RefusedAddressException("cannot resolve host '" + host + "'");
    }
    checkAddresses(host, List.of(addresses));
  }

  /**
   * Whether {@code host} (a name or an IP literal, brackets optional) is allow-listed by name; such
   * hosts skip the address check.
   */
  public boolean allowsHostName(String host) {
    return allowedHosts.contains(stripBrackets(host.toLowerCase(Locale.ROOT)));
  }

  /**
   * Fails if any address {@code host} resolved to is refused. For callers that resolve the host
   * themselves, e.g. to connect to exactly the addresses they checked.
   */
  public void checkAddresses(String host, List<InetAddress> addresses) {
    for (InetAddress address : addresses) {
      if (!isAllowed(address)) {
        throw new RefusedAddressException(
            "host '" + host + "' resolves to " + address.getHostAddress()
                + ", a private, loopback, link-local or metadata address; allow-list it to permit it");
      }
    }
  }

  /** Whether a connection to {@code address} is permitted. */
  public boolean isAllowed(InetAddress address) {
    for (Cidr block : allowedBlocks) {
      if (block.contains(address)) {
        return true;
      }
    }
    return !isInternal(address);
  }

  static boolean isInternal(InetAddress a) {
    if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress()
        || a.isSiteLocalAddress() || a.isMulticastAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int b0 = b[0] & 0xff;
      int b1 = b[1] & 0xff;
      return b0 == 0 // "this network"
          || (b0 == 100 && b1 >= 64 && b1 < 128) // carrier-grade NAT 100.64/10
          || (b0 == 192 && b1 == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
          || (b0 == 198 && (b1 == 18 || b1 == 19)) // benchmarking
          || b0 >= 240; // reserved and broadcast
    }
    if (a instanceof Inet6Address) {
      int b0 = b[0] & 0xff;
      if ((b0 & 0xfe) == 0xfc) {
        return true; // unique local fc00::/7
      }
      if (isIpv4Mapped(b) || isNat64(b)) {
        try {
          byte[] v4 = {b[12], b[13], b[14], b[15]};
          return isInternal(InetAddress.getByAddress(v4));
        } catch (UnknownHostException e) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isIpv4Mapped(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
  }

  private static boolean isNat64(byte[] b) {
    return (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
  }

  private static String stripBrackets(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /** A CIDR block such as {@code 10.0.0.0/8} or {@code fd00::/8}. */
  record Cidr(byte[] network, int prefix) {
    static Cidr parse(String text) {
      int slash = text.indexOf('/');
      String address = text.substring(0, slash);
      if (address.isEmpty() || !address.matches("[0-9a-fA-F:.]+")) {
        throw new IllegalArgumentException("allow-list entry '" + text + "' must be an IP literal with a prefix, e.g. 10.0.0.0/8");
      }
      try {
        byte[] net = InetAddress.getByName(text.substring(0, slash)).getAddress();
        int prefix = Integer.parseInt(text.substring(slash + 1));
        if (prefix < 0 || prefix > net.length * 8) {
          throw new IllegalArgumentException("bad prefix length in allow-list entry '" + text + "'");
        }
        return new Cidr(net, prefix);
      } catch (UnknownHostException | NumberFormatException e) {
        throw new IllegalArgumentException("bad allow-list entry '" + text + "'", e);
      }
    }

    boolean contains(InetAddress address) {
      byte[] a = address.getAddress();
      if (a.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (a[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (a[full] & mask) == (network[full] & mask);
    }
  }
}
