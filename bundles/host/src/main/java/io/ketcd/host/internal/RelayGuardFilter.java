package io.ketcd.host.internal;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.function.Predicate;

import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes every accepted connection whose remote address {@code trusted} does not know, before
 * any of its bytes is read: the guard of the loopback port behind a {@link UnixRelay}, so that
 * the port is no way around the Unix socket file's permissions. Grizzly fires the accept event
 * through the chain before it enables reading on the new connection, so a refused connection is
 * never read (the kernel may have buffered its first bytes; they are dropped with it). Placed
 * right after the {@code TransportFilter}, before TLS.
 */
public final class RelayGuardFilter extends BaseFilter {
    private static final Logger LOG = LoggerFactory.getLogger(RelayGuardFilter.class);

    private final String name;
    private final Predicate<SocketAddress> trusted;

    /**
     * @param name names the server in the log line of a refused connection
     * @param trusted whether a remote address is one of the relay's own connections
     */
    public RelayGuardFilter(String name, Predicate<SocketAddress> trusted) {
        this.name = name;
        this.trusted = trusted;
    }

    @Override
    public NextAction handleAccept(FilterChainContext ctx) throws IOException {
        Connection<?> connection = ctx.getConnection();
        Object remote = connection.getPeerAddress();
        if (remote instanceof SocketAddress address && trusted.test(address)) {
            return ctx.getInvokeAction();
        }
        LOG.warn("{}: closed a connection from {} to the internal relay port: it did not come through the Unix socket",
                name, remote);
        connection.closeSilently();
        return ctx.getStopAction();
    }
}
