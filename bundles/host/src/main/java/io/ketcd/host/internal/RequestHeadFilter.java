package io.ketcd.host.internal;

import io.ketcd.api.log.BadInputLog;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.CompletionHandler;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.WriteResult;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.nio.transport.TCPNIOConnection;

/**
 * Refuses request heads that Go's net/http refuses, as soon as the offending byte arrives, with
 * Go's answer ({@link RequestHeadScanner.Rejection#answer}), one {@link BadInputLog} line and Go's way of closing:
 * the write side is shut at once and the connection closed {@link #LINGER} later, reading and
 * dropping whatever the client still sends meanwhile, so that the client reads the answer
 * instead of a reset. Grizzly's own parser waits for a request line's first space (or its header
 * limit) before it judges anything, so without this filter a TLS hello, random bytes or a header
 * line without a colon held the connection until the idle timeout. See {@link
 * RequestHeadScanner} for the rules.
 *
 * <p>Sits after TLS and before Grizzly's HTTP codec, which it passes every byte on to unchanged.
 * To find the next head on a keep-alive connection it skips each body by its {@code
 * Content-Length}; after a request with a {@code Transfer-Encoding} it stops checking that
 * connection and leaves it to the codec (and the idle timeout), as finding the end of a chunked
 * body would mean parsing it a second time.
 */
public final class RequestHeadFilter extends BaseFilter {
    /** Go's {@code rstAvoidanceDelay}: how long a refused connection stays open, read and dropped, after the answer. */
    static final Duration LINGER = Duration.ofMillis(500);

    private final String name;
    private final BadInputLog badInput;
    private final ScheduledExecutorService timer;
    private final Attribute<ConnectionState> stateAttr =
            Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(RequestHeadFilter.class.getName() + ".state");

    /**
     * @param name names the server in log lines
     * @param badInput where refused heads are logged
     * @param timer closes refused connections after {@link #LINGER}
     */
    public RequestHeadFilter(String name, BadInputLog badInput, ScheduledExecutorService timer) {
        this.name = name;
        this.badInput = badInput;
        this.timer = timer;
    }

    /** Where a connection is in its stream of requests. Read by the thread that reads the connection only. */
    private static final class ConnectionState {
        /** The head being read; null while a body is skipped or before the next head's first byte. */
        RequestHeadScanner head;
        /** Body bytes of the last request still to come. */
        long bodyLeft;
        /** A chunked body came: the codec alone knows where the next head starts. */
        boolean unchecked;
        /** A head was refused: everything that follows is dropped. */
        boolean refused;
    }

    @Override
    public NextAction handleRead(FilterChainContext ctx) throws IOException {
        Connection<?> connection = ctx.getConnection();
        ConnectionState state = stateAttr.get(connection);
        if (state == null) {
            state = new ConnectionState();
            stateAttr.set(connection, state);
        }
        Buffer input = ctx.getMessage();
        if (state.refused) {
            input.tryDispose();
            return ctx.getStopAction();
        }
        if (state.unchecked) {
            return ctx.getInvokeAction();
        }
        int at = input.position();
        int limit = input.limit();
        while (at < limit) {
            if (state.bodyLeft > 0) {
                int skipped = (int) Math.min(state.bodyLeft, limit - at);
                state.bodyLeft -= skipped;
                at += skipped;
                continue;
            }
            if (state.head == null) {
                state.head = new RequestHeadScanner();
            }
            byte[] bytes = copy(input, at, limit);
            int end = state.head.scan(bytes, 0, bytes.length);
            RequestHeadScanner.Rejection rejection = state.head.rejection();
            if (rejection != null) {
                refuse(ctx, state, rejection);
                input.tryDispose();
                return ctx.getStopAction();
            }
            if (end < 0) {
                break;
            }
            at += end;
            long body = state.head.bodyLength();
            state.head = null;
            if (body < 0) {
                state.unchecked = true;
                break;
            }
            state.bodyLeft = body;
        }
        return ctx.getInvokeAction();
    }

    private static byte[] copy(Buffer input, int from, int to) {
        byte[] bytes = new byte[to - from];
        int position = input.position();
        input.position(from);
        input.get(bytes);
        input.position(position);
        return bytes;
    }

    private void refuse(FilterChainContext ctx, ConnectionState state, RequestHeadScanner.Rejection rejection) {
        state.refused = true;
        Connection<?> connection = ctx.getConnection();
        badInput.warn("http head " + rejection.status(), "{}: answered {} to {} and closed the connection: {}; the head began \"{}\"",
                name, rejection.publicError(), connection.getPeerAddress(), rejection.detail(),
                BadInputLog.escape(state.head.firstBytes()));
        Buffer answer = Buffers.wrap(ctx.getMemoryManager(), rejection.answer());
        ctx.write(answer, new CompletionHandler<WriteResult>() {
            @Override
            public void cancelled() {
                connection.closeSilently();
            }

            @Override
            public void failed(Throwable throwable) {
                connection.closeSilently();
            }

            @Override
            public void completed(WriteResult result) {
                closeWriteAndWait(connection);
            }

            @Override
            public void updated(WriteResult result) {
                // the answer is small; completed() follows
            }
        });
    }

    /** Go's closeWriteAndWait: FIN after the answer, then the close a little later. */
    private void closeWriteAndWait(Connection<?> connection) {
        try {
            if (connection instanceof TCPNIOConnection tcp && tcp.getChannel() instanceof SocketChannel channel) {
                channel.shutdownOutput();
            }
            timer.schedule(connection::closeSilently, LINGER.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException | RejectedExecutionException e) {
            // the client is gone, or the server is stopping: nothing to wait for
            connection.closeSilently();
        }
    }
}
