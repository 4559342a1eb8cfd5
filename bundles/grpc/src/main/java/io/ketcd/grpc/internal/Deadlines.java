package io.ketcd.grpc.internal;

import io.grpc.Context;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.ketcd.api.log.BadInputLog;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The {@code grpc-timeout} header, handled by ketcd instead of grpc-java, in two parts that
 * {@link io.ketcd.grpc.GrpcServer} installs together: {@link #tracerFactory()} and {@link
 * #interceptor()}.
 *
 * <p>Why: grpc-java parses the header in the transport thread; a malformed one throws there,
 * which logs two stack traces and resets the stream. And when a deadline expires, grpc-java
 * resets the stream (RST_STREAM CANCEL), so the client sees no status. etcd (grpc-go) answers
 * both with a status.
 *
 * <p>How: a stream tracer factory sees a call's headers before grpc-java's ServerImpl parses
 * {@code grpc-timeout}. It takes the header out (so grpc-java sets no deadline of its own),
 * parses it as grpc-go does, and hands the result to the call's {@link Context}. The interceptor
 * then closes a call with a malformed header with INTERNAL "transport: malformed time-out: ..."
 * (grpc-go's text), and closes a call still open at its deadline with DEADLINE_EXCEEDED
 * "context deadline exceeded" (etcd's text for an expired context).
 */
public final class Deadlines {
    private static final Metadata.Key<String> TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);
    /** The parsed header of the current call; absent when the call has none. */
    private static final Context.Key<Timeout> CALL_TIMEOUT = Context.key("ketcd-grpc-timeout");
    private static final ServerStreamTracer NO_TIMEOUT = new ServerStreamTracer() {
    };

    private final Supplier<ScheduledExecutorService> timers;
    private final BadInputLog badInput;

    /**
     * @param timers gives the timer for a call's deadline, asked on the thread that starts the
     *     call; its tasks only close a call
     */
    public Deadlines(Supplier<ScheduledExecutorService> timers, BadInputLog badInput) {
        this.timers = timers;
        this.badInput = badInput;
    }

    /** Takes {@code grpc-timeout} out of each call's headers into the call's context. */
    public ServerStreamTracer.Factory tracerFactory() {
        return new ServerStreamTracer.Factory() {
            @Override
            public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
                String header = headers.get(TIMEOUT);
                if (header == null) {
                    return NO_TIMEOUT;
                }
                headers.discardAll(TIMEOUT);
                Timeout timeout = Timeout.parse(header, System.nanoTime());
                return new ServerStreamTracer() {
                    @Override
                    public Context filterContext(Context context) {
                        return context.withValue(CALL_TIMEOUT, timeout);
                    }
                };
            }
        };
    }

    /** Answers a malformed {@code grpc-timeout}, and closes calls at their deadline. */
    public ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                Timeout timeout = CALL_TIMEOUT.get();
                if (timeout == null) {
                    return next.startCall(call, headers);
                }
                if (timeout.error() != null) {
                    badInput.warn("grpc-timeout", "gRPC {} call refused: {}",
                            call.getMethodDescriptor().getFullMethodName(), timeout.error());
                    call.close(Status.INTERNAL.withDescription(timeout.error()), new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
                DeadlineCall<Q, R> bounded = new DeadlineCall<>(call);
                long left = timeout.deadlineNanos() - System.nanoTime();
                bounded.expireIn(timers.get(), left);
                return next.startCall(bounded, headers);
            }
        };
    }

    /**
     * A call that is closed with DEADLINE_EXCEEDED at its deadline unless it was closed before;
     * whatever the method sends after that is dropped. The methods that send are synchronized,
     * as the deadline fires on the timer's thread while the method answers on another.
     */
    static final class DeadlineCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        static final Status EXPIRED = Status.DEADLINE_EXCEEDED.withDescription("context deadline exceeded");

        private boolean closed; // guarded by this
        private ScheduledFuture<?> expiry; // guarded by this

        DeadlineCall(ServerCall<Q, R> call) {
            super(call);
        }

        synchronized void expireIn(ScheduledExecutorService timer, long nanos) {
            if (nanos <= 0) {
                expire();
            } else {
                expiry = timer.schedule(this::expire, nanos, TimeUnit.NANOSECONDS);
            }
        }

        private synchronized void expire() {
            if (!closed) {
                closed = true;
                super.close(EXPIRED, new Metadata());
            }
        }

        @Override
        public synchronized void sendHeaders(Metadata headers) {
            if (!closed) {
                super.sendHeaders(headers);
            }
        }

        @Override
        public synchronized void sendMessage(R message) {
            if (!closed) {
                super.sendMessage(message);
            }
        }

        @Override
        public synchronized void close(Status status, Metadata trailers) {
            if (closed) {
                return;
            }
            closed = true;
            if (expiry != null) {
                expiry.cancel(false);
            }
            super.close(status, trailers);
        }
    }

    /** A parsed {@code grpc-timeout}: the deadline on {@link System#nanoTime()}'s scale, or why it is malformed. */
    record Timeout(long deadlineNanos, String error) {
        /**
         * grpc-go's decodeTimeout: at most 8 digits and a unit (H, M, S, m, u, n). A value grpc-go
         * refuses gets its error text.
         */
        static Timeout parse(String value, long now) {
            String malformed = "transport: malformed time-out: ";
            if (value.length() < 2) {
                return new Timeout(0, malformed + "transport: timeout string is too short: \"" + BadInputLog.escape(value) + "\"");
            }
            if (value.length() > 9) {
                return new Timeout(0, malformed + "transport: timeout string is too long: \""
                        + BadInputLog.escape(value) + "\"");
            }
            TimeUnit unit = switch (value.charAt(value.length() - 1)) {
                case 'H' -> TimeUnit.HOURS;
                case 'M' -> TimeUnit.MINUTES;
                case 'S' -> TimeUnit.SECONDS;
                case 'm' -> TimeUnit.MILLISECONDS;
                case 'u' -> TimeUnit.MICROSECONDS;
                case 'n' -> TimeUnit.NANOSECONDS;
                default -> null;
            };
            if (unit == null) {
                return new Timeout(0, malformed + "transport: timeout unit is not recognized: \""
                        + BadInputLog.escape(value) + "\"");
            }
            String digits = value.substring(0, value.length() - 1);
            for (int i = 0; i < digits.length(); i++) {
                if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                    return new Timeout(0, malformed + "strconv.ParseInt: parsing \"" + BadInputLog.escape(digits)
                            + "\": invalid syntax");
                }
            }
            return new Timeout(now + unit.toNanos(Long.parseLong(digits)), null);
        }
    }
}
