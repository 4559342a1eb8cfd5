package io.ketcd.server;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * etcd's auto-compaction settings, {@code auto-compaction-mode} and {@code
 * auto-compaction-retention} read together, since the mode decides what the retention means: in
 * {@link Mode#PERIODIC} mode the leader keeps {@link #period} of history, in {@link
 * Mode#REVISION} mode the last {@link #revisions} revisions. A retention of zero turns
 * auto-compaction off. Immutable.
 *
 * @param period the history kept in periodic mode; zero in revision mode
 * @param revisions the revisions kept in revision mode; zero in periodic mode
 */
public record AutoCompaction(Mode mode, Duration period, long revisions) {

    /** etcd's two modes, spelled as its flag takes them. */
    public enum Mode {
        PERIODIC("periodic"),
        REVISION("revision");

        private final String flag;

        Mode(String flag) {
            this.flag = flag;
        }

        /** The mode as {@code auto-compaction-mode} spells it. */
        public String flag() {
            return flag;
        }
    }

    /** etcd's default: periodic mode with a retention of 0, which is off. */
    public static final AutoCompaction OFF = new AutoCompaction(Mode.PERIODIC, Duration.ZERO, 0);

    /**
     * @throws IllegalArgumentException when the retention is negative or given in the other mode's unit
     */
    public AutoCompaction {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(period, "period");
        if (period.isNegative() || revisions < 0) {
            throw new IllegalArgumentException("negative auto-compaction retention");
        }
        if (mode == Mode.PERIODIC ? revisions != 0 : !period.isZero()) {
            throw new IllegalArgumentException(mode.flag() + " mode takes its retention as "
                    + (mode == Mode.PERIODIC ? "a duration" : "a number of revisions"));
        }
    }

    /** Whether the leader compacts at all: a retention of zero turns auto-compaction off, as in etcd. */
    public boolean enabled() {
        return mode == Mode.PERIODIC ? !period.isZero() : revisions != 0;
    }

    /**
     * The retention as etcd logs it: a Go duration ({@code 1h0m0s}) in periodic mode, {@code N
     * revisions} in revision mode.
     */
    public String retentionText() {
        return mode == Mode.PERIODIC ? goDuration(period) : revisions + " revisions";
    }

    @Override
    public String toString() {
        return mode.flag() + " mode, retention " + retentionText() + (enabled() ? "" : " (off)");
    }

    private static final Pattern GO_INT = Pattern.compile("[+-]?[0-9]+");
    private static final long NANOS_PER_HOUR = 3_600_000_000_000L;

    /**
     * Reads the two flags as etcd 3.4 does (its config Validate, then parseCompactionRetention):
     * {@code mode} is {@code periodic} or {@code revision}; a {@code retention} that is a whole
     * non-negative number means hours in periodic mode and revisions in revision mode, anything
     * else must be a Go duration (taken in revision mode as its count of nanoseconds, as etcd
     * does); "" is 0. An empty mode, which etcd's flag check lets through, is off with a whole
     * number and refused with anything else.
     *
     * @throws IllegalArgumentException with etcd's message when a value is refused; ketcd also
     *     refuses what etcd would take and then run wild on: a negative duration (etcd compacts
     *     in a busy loop) and hours beyond a duration's range (etcd wraps them around)
     */
    public static AutoCompaction parse(String mode, String retention) {
        Mode m = switch (mode) {
            case "periodic" -> Mode.PERIODIC;
            case "revision" -> Mode.REVISION;
            case "" -> null;
            default -> throw new IllegalArgumentException("unknown auto-compaction-mode " + goQuote(mode));
        };
        String r = retention.isEmpty() ? "0" : retention;
        if (GO_INT.matcher(r).matches()) {
            Long whole = wholeNumber(r);
            if (whole != null && whole >= 0) {
                if (m == null) {
                    return OFF;
                }
                if (m == Mode.REVISION) {
                    return new AutoCompaction(m, Duration.ZERO, whole);
                }
                if (whole > Long.MAX_VALUE / NANOS_PER_HOUR) {
                    throw new IllegalArgumentException("error parsing CompactionRetention: " + whole
                            + " hours is out of range");
                }
                return new AutoCompaction(m, Duration.ofHours(whole), 0);
            }
        }
        long nanos;
        try {
            nanos = goDurationNanos(r);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("error parsing CompactionRetention: " + e.getMessage());
        }
        if (nanos < 0) {
            throw new IllegalArgumentException("error parsing CompactionRetention: negative retention " + goQuote(r));
        }
        if (m == null) {
            if (nanos == 0) {
                return OFF;
            }
            // etcd lets the empty mode through its flag check and fails later, creating the compactor
            throw new IllegalArgumentException("unsupported compaction mode ");
        }
        return m == Mode.PERIODIC ? new AutoCompaction(m, Duration.ofNanos(nanos), 0)
                : new AutoCompaction(m, Duration.ZERO, nanos);
    }

    /** {@code s} as Go's strconv.Atoi reads it; null when out of range. */
    private static Long wholeNumber(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Go's {@code time.ParseDuration}, step by step, for its error texts: {@code time: invalid
     * duration "x"}, {@code time: missing unit in duration "x"}, {@code time: unknown unit "u" in
     * duration "x"}.
     */
    static long goDurationNanos(String orig) {
        String s = orig;
        boolean negative = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return 0;
        }
        if (s.isEmpty()) {
            throw invalidDuration(orig);
        }
        long total = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != '.' && !isDigit(c)) {
                throw invalidDuration(orig);
            }
            int start = i;
            long whole = 0;
            for (; i < s.length() && isDigit(s.charAt(i)); i++) {
                if (whole > Long.MAX_VALUE / 10) {
                    throw invalidDuration(orig);
                }
                whole = whole * 10 + (s.charAt(i) - '0');
                if (whole < 0) {
                    throw invalidDuration(orig);
                }
            }
            boolean digitsBefore = i > start;
            long fraction = 0;
            double scale = 1;
            boolean digitsAfter = false;
            if (i < s.length() && s.charAt(i) == '.') {
                i++;
                boolean overflow = false;
                for (; i < s.length() && isDigit(s.charAt(i)); i++) {
                    digitsAfter = true;
                    // digits beyond a long's precision are dropped, as Go drops them
                    long next = fraction * 10 + (s.charAt(i) - '0');
                    if (overflow || fraction > Long.MAX_VALUE / 10 || next < 0) {
                        overflow = true;
                        continue;
                    }
                    fraction = next;
                    scale *= 10;
                }
            }
            if (!digitsBefore && !digitsAfter) {
                throw invalidDuration(orig);
            }
            int unitStart = i;
            for (; i < s.length() && s.charAt(i) != '.' && !isDigit(s.charAt(i)); i++) {
                // the unit runs up to the next number
            }
            if (i == unitStart) {
                throw new IllegalArgumentException("time: missing unit in duration " + goQuote(orig));
            }
            String unit = s.substring(unitStart, i);
            long unitNanos = unitNanos(unit);
            if (unitNanos == 0) {
                throw new IllegalArgumentException("time: unknown unit " + goQuote(unit) + " in duration "
                        + goQuote(orig));
            }
            try {
                long v = Math.multiplyExact(whole, unitNanos);
                if (fraction > 0) {
                    v = Math.addExact(v, (long) (fraction * (unitNanos / scale)));
                }
                total = Math.addExact(total, v);
            } catch (ArithmeticException e) {
                throw invalidDuration(orig);
            }
        }
        return negative ? -total : total;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Go's unitMap; 0 for a unit it does not know. */
    private static long unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "\u00b5s", "\u03bcs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> NANOS_PER_HOUR;
            default -> 0L;
        };
    }

    private static IllegalArgumentException invalidDuration(String orig) {
        return new IllegalArgumentException("time: invalid duration " + goQuote(orig));
    }

    /**
     * Go's {@code time.quote}: in double quotes, with {@code "} and {@code \} escaped and every
     * byte of a control or non-ASCII character written as {@code \xNN}.
     */
    static String goQuote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            if (c >= 0x80 || c < ' ') {
                for (byte x : new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8)) {
                    b.append(String.format("\\x%02x", x & 0xff));
                }
            } else {
                if (c == '"' || c == '\\') {
                    b.append('\\');
                }
                b.appendCodePoint(c);
            }
        });
        return b.append('"').toString();
    }

    /**
     * Go's {@code Duration.String} of a non-negative duration: {@code 1h0m0s}, {@code 1m30s},
     * {@code 1.5s}, {@code 500ms}.
     */
    static String goDuration(Duration d) {
        long n = d.toNanos();
        if (n == 0) {
            return "0s";
        }
        if (n < 1_000L) {
            return n + "ns";
        }
        if (n < 1_000_000L) {
            return decimal(n, 1_000L) + "\u00b5s";
        }
        if (n < 1_000_000_000L) {
            return decimal(n, 1_000_000L) + "ms";
        }
        StringBuilder b = new StringBuilder();
        long hours = n / NANOS_PER_HOUR;
        long minutes = n % NANOS_PER_HOUR / 60_000_000_000L;
        if (hours > 0) {
            b.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            b.append(minutes).append('m');
        }
        return b.append(decimal(n % 60_000_000_000L, 1_000_000_000L)).append('s').toString();
    }

    /** {@code value / unit} in decimal, without trailing zeros: 1500, 1000 → "1.5". */
    private static String decimal(long value, long unit) {
        long whole = value / unit;
        long rest = value % unit;
        if (rest == 0) {
            return Long.toString(whole);
        }
        String digits = Long.toString(unit + rest).substring(1).replaceAll("0+$", "");
        return whole + "." + digits;
    }
}
