package io.ketcd.host.internal;

import io.ketcd.api.log.BadInputLog;

import java.io.IOException;

import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpBrokenContent;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpHeader;

/**
 * Ends a request whose body turned out malformed (a bad chunk size, for one) before any handler
 * saw it, with one {@link BadInputLog} line. Grizzly's codec has already answered {@code 400} and
 * is closing the connection then, but it still passes the broken body on; Grizzly's handler
 * filter, meeting it as a request's first message, rethrows the codec's exception, and the filter
 * chain logged that at WARNING with its stack trace (25 lines per bad request). A broken body
 * that arrives after its request's handler started goes on to the handler, whose read fails.
 *
 * <p>Sits right after Grizzly's HTTP codec.
 */
public final class BrokenBodyFilter extends BaseFilter {
    private final String name;
    private final BadInputLog badInput;
    /** The request whose handler has its first message already; removed with the request's last message. */
    private final Attribute<HttpHeader> started =
            Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(BrokenBodyFilter.class.getName() + ".started");

    public BrokenBodyFilter(String name, BadInputLog badInput) {
        this.name = name;
        this.badInput = badInput;
    }

    @Override
    public NextAction handleRead(FilterChainContext ctx) throws IOException {
        if (!(ctx.getMessage() instanceof HttpContent content)) {
            return ctx.getInvokeAction();
        }
        Connection<?> connection = ctx.getConnection();
        HttpHeader request = content.getHttpHeader();
        boolean first = started.get(connection) != request;
        if (first && content instanceof HttpBrokenContent broken) {
            badInput.warn("http body", "{}: answered 400 Bad Request to {} and closed the connection: a malformed body ({})", name,
                    connection.getPeerAddress(), BadInputLog.describe(broken.getException()));
            started.remove(connection);
            return ctx.getStopAction();
        }
        if (content.isLast()) {
            // the header object is recycled for a later request: forget it
            started.remove(connection);
        } else if (first) {
            started.set(connection, request);
        }
        return ctx.getInvokeAction();
    }
}
