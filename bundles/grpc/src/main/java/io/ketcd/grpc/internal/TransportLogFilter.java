package io.ketcd.grpc.internal;

import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.ketcd.api.log.BadInputLog;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import javax.net.ssl.SSLException;

/**
 * A java.util.logging filter on the loggers of grpc-java's Netty server that turns its records
 * about bad input from the network into one {@link BadInputLog} line (rate limited, no stack
 * trace) and lets every other record through unchanged, so that an error of ours still shows
 * with its stack trace.
 *
 * <p>Bad input, by where grpc-java logs it:
 * <ul>
 * <li>{@code NettyServerTransport.connections} "Transport failed" (INFO, with a stack trace):
 *     a connection that ended in an HTTP/2 protocol error (a bad client preface, a TLS
 *     ClientHello on a plain port, garbage), a TLS error or an I/O error;
 * <li>{@code NettyServerStream} "Exception processing message" (WARNING): a message grpc-java
 *     refused with a status, e.g. one larger than the inbound limit;
 * <li>{@code NettyServerHandler} "Stream Error" (WARNING): a stream the client broke, e.g. a
 *     {@code -bin} header that is no base64; and its warning about a missing {@code te}
 *     header.
 * </ul>
 *
 * <p>The filter is installed while at least one {@link io.ketcd.grpc.GrpcServer} runs and
 * removed, with the loggers' previous filters restored, when the last one closes. Lines go to
 * the {@link BadInputLog} of the server started last. JUL holds loggers weakly, so the
 * configured ones are held here while installed.
 */
public final class TransportLogFilter implements Filter {
    private static final String NETTY = "io.grpc.netty.shaded.io.grpc.netty.";
    static final String CONNECTIONS = NETTY + "NettyServerTransport.connections";
    static final String STREAM = NETTY + "NettyServerStream";
    static final String HANDLER = NETTY + "NettyServerHandler";
    /**
     * One kind for the client's HTTP/2 protocol errors, on a stream or on the connection: one bad
     * frame often causes both (a stream reset, then the connection's end), and is one bad input.
     */
    private static final String HTTP2_ERROR = "grpc-http2";

    /** Guarded by the class: the live servers' logs, the last one in use. */
    private static final Deque<BadInputLog> LOGS = new ArrayDeque<>();
    /** Guarded by the class: the loggers configured and their previous filters, while installed. */
    private static final List<Logger> LOGGERS = new ArrayList<>();
    private static final List<Filter> PREVIOUS = new ArrayList<>();

    private final Filter previous;

    private TransportLogFilter(Filter previous) {
        this.previous = previous;
    }

    /**
     * Installs the filter unless it is installed, and sends bad input lines to {@code log} until
     * {@link #uninstall} of it.
     */
    public static synchronized void install(BadInputLog log) {
        if (LOGS.isEmpty()) {
            for (String name : List.of(CONNECTIONS, STREAM, HANDLER)) {
                Logger logger = Logger.getLogger(name);
                LOGGERS.add(logger);
                PREVIOUS.add(logger.getFilter());
                logger.setFilter(new TransportLogFilter(logger.getFilter()));
            }
        }
        LOGS.addLast(log);
    }

    /** Stops sending lines to {@code log}; with no log left, restores the loggers' filters. */
    public static synchronized void uninstall(BadInputLog log) {
        if (!LOGS.removeLastOccurrence(log) || !LOGS.isEmpty()) {
            return;
        }
        for (int i = 0; i < LOGGERS.size(); i++) {
            LOGGERS.get(i).setFilter(PREVIOUS.get(i));
        }
        LOGGERS.clear();
        PREVIOUS.clear();
    }

    private static synchronized BadInputLog current() {
        return LOGS.peekLast();
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        String kind = badInputKind(record);
        if (kind == null) {
            return previous == null || previous.isLoggable(record);
        }
        BadInputLog log = current();
        if (log != null && record.getLevel().intValue() >= java.util.logging.Level.INFO.intValue()) {
            Throwable thrown = record.getThrown();
            log.warn(kind, "gRPC {}: {}", describe(record), thrown == null ? "" : thrown);
        }
        return false;
    }

    /** The kind of bad input {@code record} reports, or null when it reports no bad input. */
    static String badInputKind(LogRecord record) {
        String message = String.valueOf(record.getMessage());
        Throwable thrown = record.getThrown();
        return switch (String.valueOf(record.getLoggerName())) {
            case CONNECTIONS -> {
                if (!message.equals("Transport failed") || !fromThePeer(thrown)) {
                    yield null;
                }
                yield thrown instanceof Http2Exception ? HTTP2_ERROR : "grpc-connection";
            }
            case STREAM -> message.equals("Exception processing message")
                    && (thrown instanceof StatusRuntimeException || thrown instanceof StatusException)
                    ? "grpc-message" : null;
            case HANDLER -> {
                if (message.equals("Stream Error") && thrown instanceof Http2Exception) {
                    yield HTTP2_ERROR;
                }
                yield message.startsWith("Expected header TE") ? "grpc-te-header" : null;
            }
            default -> null;
        };
    }

    private static String describe(LogRecord record) {
        return switch (String.valueOf(record.getLoggerName())) {
            case CONNECTIONS -> "connection closed";
            case STREAM -> "message refused";
            case HANDLER -> record.getThrown() == null ? BadInputLog.escape(record.getMessage()) : "stream reset";
            default -> "bad input";
        };
    }

    /** Errors a client causes: HTTP/2 protocol errors, TLS errors, I/O errors, and those wrapping them. */
    private static boolean fromThePeer(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Http2Exception || t instanceof SSLException || t instanceof IOException) {
                return true;
            }
        }
        return false;
    }
}
