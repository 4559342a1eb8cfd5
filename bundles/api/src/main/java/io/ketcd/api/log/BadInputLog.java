package io.ketcd.api.log;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.slf4j.Logger;

/**
 * One WARN line per kind of bad input and interval: the first occurrence of a kind is logged at
 * once, later ones within {@link #DEFAULT_INTERVAL} are only counted, and the next line of that
 * kind says how many were left out. Never a stack trace: bad input is the sender's fault, not a
 * bug of ours. Text that came from the network goes through {@link #escape} first.
 *
 * <p>Thread-safe; the count of a kind is exact, the choice of which occurrence is logged is not
 * (two threads may race for the same slot, and one of them wins).
 */
public final class BadInputLog {
    /** How often each kind of bad input may be logged. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    /** How much of a text from the network a log line shows. */
    public static final int MAX_SHOWN = 200;

    private final Logger logger;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final ConcurrentMap<String, Kind> kinds = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();

    public BadInputLog(Logger logger) {
        this(logger, DEFAULT_INTERVAL, System::nanoTime);
    }

    public BadInputLog(Logger logger, Duration interval, LongSupplier nanoTime) {
        this.logger = logger;
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    /**
     * Counts one bad input of {@code kind} and logs it unless that kind was logged within the
     * interval. {@code format} and {@code args} are slf4j's; a throwable among the args is
     * shown by its {@code toString()} only. Escape network text in {@code args} with {@link
     * #escape}.
     *
     * @return whether a line was written
     */
    public boolean warn(String kind, String format, Object... args) {
        total.incrementAndGet();
        Kind k = kinds.computeIfAbsent(kind, x -> new Kind());
        long now = nanoTime.getAsLong();
        long suppressed = k.admit(now, intervalNanos);
        if (suppressed < 0 || !logger.isWarnEnabled()) {
            return false;
        }
        Object[] shown = new Object[args.length];
        for (int i = 0; i < args.length; i++) {
            // a throwable as the last argument would make slf4j print its stack trace
            shown[i] = args[i] instanceof Throwable t ? describe(t) : args[i];
        }
        String line = suppressed == 0 ? format : format + " (and " + suppressed + " more like it since the last report)";
        logger.warn(line, shown);
        return true;
    }

    /** Bad inputs counted since this log was made, logged or not. */
    public long count() {
        return total.get();
    }

    /** Bad inputs of one kind counted so far. */
    public long count(String kind) {
        Kind k = kinds.get(kind);
        return k == null ? 0 : k.count.get();
    }

    /** A throwable's class and message in one escaped line, its causes' messages after it. */
    public static String describe(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null && b.length() < MAX_SHOWN; c = c.getCause() == c ? null : c.getCause()) {
            if (b.length() > 0) {
                b.append(": ");
            }
            String message = c.getMessage();
            b.append(message == null ? c.getClass().getSimpleName() : c.getClass().getSimpleName() + " " + message);
        }
        return escape(b);
    }

    /** {@code text} from the network as printable ASCII, at most {@link #MAX_SHOWN} characters of it. */
    public static String escape(CharSequence text) {
        if (text == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(text.length(), MAX_SHOWN) + 16);
        int i = 0;
        for (; i < text.length() && b.length() < MAX_SHOWN; i++) {
            appendEscaped(b, text.charAt(i));
        }
        if (i < text.length()) {
            b.append("...(").append(text.length() - i).append(" more chars)");
        }
        return b.toString();
    }

    /** Bytes from the network as printable ASCII (others as {@code \xNN}), at most {@link #MAX_SHOWN} characters. */
    public static String escape(byte[] bytes, int offset, int length) {
        StringBuilder b = new StringBuilder(Math.min(length, MAX_SHOWN) + 16);
        int i = 0;
        for (; i < length && b.length() < MAX_SHOWN; i++) {
            appendEscaped(b, (char) (bytes[offset + i] & 0xff));
        }
        if (i < length) {
            b.append("...(").append(length - i).append(" more bytes)");
        }
        return b.toString();
    }

    /** {@link #escape(byte[], int, int)} of a whole array. */
    public static String escape(byte[] bytes) {
        return bytes == null ? "null" : escape(bytes, 0, bytes.length);
    }

    private static void appendEscaped(StringBuilder b, char c) {
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            b.append(c);
        } else if (c == '\\') {
            b.append("\\\\");
        } else if (c == '\n') {
            b.append("\\n");
        } else if (c == '\r') {
            b.append("\\r");
        } else if (c == '\t') {
            b.append("\\t");
        } else if (c < 0x100) {
            b.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
        } else {
            b.append(String.format("\\u%04x", (int) c));
        }
    }

    private static final class Kind {
        final AtomicLong count = new AtomicLong();
        /** Occurrences counted but not logged since the last line. */
        private long unreported;
        private long lastLogged;
        private boolean logged;

        /** @return -1 to stay silent, else how many occurrences went unreported before this one */
        synchronized long admit(long now, long intervalNanos) {
            count.incrementAndGet();
            if (logged && now - lastLogged < intervalNanos) {
                unreported++;
                return -1;
            }
            long before = unreported;
            logged = true;
            lastLogged = now;
            unreported = 0;
            return before;
        }
    }
}
