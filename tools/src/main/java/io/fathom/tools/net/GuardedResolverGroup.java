package io.fathom.tools.net;

import io.netty.resolver.AbstractAddressResolver;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The resolver Netty connects through: every address, resolved or not, passes the {@link
 * AddressGuard} before a connection to it is opened. Host names are resolved on the guard's
 * scheduler, never on the event loop; the addresses returned are the ones that were checked.
 */
public final class GuardedResolverGroup extends AddressResolverGroup<InetSocketAddress> {

  private final AddressGuard guard;

  public GuardedResolverGroup(AddressGuard guard) {
    this.guard = guard;
  }

  @Override
  protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
    return new GuardedResolver(executor, guard);
  }

  /** Resolves and checks one event loop's addresses. */
  private static final class GuardedResolver extends AbstractAddressResolver<InetSocketAddress> {

    private final AddressGuard guard;

    GuardedResolver(EventExecutor executor, AddressGuard guard) {
      super(executor, InetSocketAddress.class);
      this.guard = guard;
    }

    /** Never: addresses that are already resolved are checked too. */
    @Override
    protected boolean doIsResolved(InetSocketAddress address) {
      return false;
    }

    @Override
    protected void doResolve(InetSocketAddress address, Promise<InetSocketAddress> promise) {
      guard.scheduler().schedule(() -> {
        try {
          promise.trySuccess(checked(address).getFirst());
        } catch (RuntimeException e) {
          promise.tryFailure(e);
        }
      });
    }

    @Override
    protected void doResolveAll(InetSocketAddress address, Promise<List<InetSocketAddress>> promise) {
      guard.scheduler().schedule(() -> {
        try {
          promise.trySuccess(checked(address));
        } catch (RuntimeException e) {
          promise.tryFailure(e);
        }
      });
    }

    private List<InetSocketAddress> checked(InetSocketAddress address) {
      if (!address.isUnresolved()) {
        guard.checkAddress(address.getAddress());
        return List.of(address);
      }
      List<InetAddress> addresses = guard.resolveChecked(address.getHostString());
      return addresses.stream().map(a -> new InetSocketAddress(a, address.getPort())).toList();
    }
  }
}
