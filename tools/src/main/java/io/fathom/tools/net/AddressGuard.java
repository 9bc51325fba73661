package io.fathom.tools.net;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Resolves hosts and checks every address with the {@link OutboundPolicy}. Used twice per request:
 * before it is made ({@link #check}) and by the connection's resolver ({@link
 * GuardedResolverGroup}), so that the addresses connected to are exactly ones that passed the
 * check, whatever DNS answers in between.
 */
public final class AddressGuard {

  private final OutboundPolicy policy;
  private final HostResolver resolver;
  private final Scheduler scheduler;

  public AddressGuard(OutboundPolicy policy, HostResolver resolver, Scheduler scheduler) {
    this.policy = policy;
    this.resolver = resolver;
    this.scheduler = scheduler;
  }

  /** Resolves the URL's host off the caller's thread and fails if any of its addresses is refused. */
  public Mono<Void> check(URI url) {
    return Mono.fromRunnable(() -> resolveChecked(url.getHost())).subscribeOn(scheduler).then();
  }

  /**
   * Blocking: the addresses of {@code host} (a name or an IP literal, brackets optional), all of
   * them permitted.
   *
   * @throws io.fathom.tools.net.RefusedAddressException naming the refused address
   * @throws UnresolvedHostException when the host does not resolve
   */
  public List<InetAddress> resolveChecked(String host) {
    String name = stripBrackets(host.toLowerCase(Locale.ROOT));
    List<InetAddress> addresses = resolve(name);
    if (!policy.allowsHostName(name)) {
      policy.checkAddresses(name, addresses);
    }
    return addresses;
  }

  /** Blocking: fails unless {@code address}, already resolved, is permitted. */
  public void checkAddress(InetAddress address) {
    String literal = address.getHostAddress();
    if (!policy.allowsHostName(literal)) {
      policy.checkAddresses(literal, List.of(address));
    }
  }

  private List<InetAddress> resolve(String name) {
    try {
      return List.of(InetAddress.ofLiteral(name));
    } catch (IllegalArgumentException notALiteral) {
      // a host name: ask the resolver
    }
    List<InetAddress> addresses;
    try {
      addresses = resolver.resolve(name);
    } catch (UnknownHostException e) {
      throw new UnresolvedHostException("cannot resolve host '" + name + "'");
    }
    if (addresses == null || addresses.isEmpty()) {
      throw new UnresolvedHostException("cannot resolve host '" + name + "'");
    }
    return List.copyOf(addresses);
  }

  public Scheduler scheduler() {
    return scheduler;
  }

  private static String stripBrackets(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
