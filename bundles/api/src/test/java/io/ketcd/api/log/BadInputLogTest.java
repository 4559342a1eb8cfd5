package io.ketcd.api.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.slf4j.helpers.NOPLogger;

class BadInputLogTest {

    private final AtomicLong now = new AtomicLong();
    private final BadInputLog log = new BadInputLog(NOPLogger.NOP_LOGGER, Duration.ofSeconds(10), now::get);

    @Test
    void countsEvenWhenWarningsAreOff() {
        assertThat(log.warn("a", "first")).isFalse(); // the NOP logger has WARN off
        assertThat(log.count("a")).isEqualTo(1);
    }

    @Test
    void eachKindHasItsOwnInterval() {
        BadInputLog counting = new BadInputLog(new CountingLogger(), Duration.ofSeconds(10), now::get);
        assertThat(counting.warn("a", "x")).isTrue();
        assertThat(counting.warn("a", "x")).isFalse();
        assertThat(counting.warn("b", "y")).isTrue();
        now.addAndGet(Duration.ofSeconds(9).toNanos());
        assertThat(counting.warn("a", "x")).isFalse();
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(counting.warn("a", "x")).isTrue();
        assertThat(counting.count("a")).isEqualTo(4);
        assertThat(counting.count()).isEqualTo(5);
    }

    @Test
    void theNextLineCountsWhatWasLeftOut() {
        CountingLogger logger = new CountingLogger();
        BadInputLog counting = new BadInputLog(logger, Duration.ofSeconds(10), now::get);
        counting.warn("a", "bad {}", 1);
        counting.warn("a", "bad {}", 2);
        counting.warn("a", "bad {}", 3);
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        counting.warn("a", "bad {}", 4);
        assertThat(logger.lines).containsExactly("bad {}", "bad {} (and 2 more like it since the last report)");
    }

    @Test
    void throwablesAreShownWithoutTheirStackTrace() {
        CountingLogger logger = new CountingLogger();
        BadInputLog counting = new BadInputLog(logger, Duration.ofSeconds(10), now::get);
        counting.warn("a", "failed: {}", new IllegalStateException("outer", new java.io.IOException("inner\nline")));
        assertThat(logger.lastArgs).containsExactly("IllegalStateException outer: IOException inner\\nline");
    }

    @Test
    void escapesControlCharactersAndTruncates() {
        assertThat(BadInputLog.escape("a\u0000b\r\n\u001b[31m\\")).isEqualTo("a\\x00b\\r\\n\\x1b[31m\\\\");
        assertThat(BadInputLog.escape(new byte[] {(byte) 0xff, 'G', 0x7f})).isEqualTo("\\xffG\\x7f");
        String shown = BadInputLog.escape("x".repeat(1000));
        assertThat(shown).startsWith("x".repeat(BadInputLog.MAX_SHOWN)).endsWith("...(800 more chars)");
        assertThat(BadInputLog.escape(new byte[1000], 0, 1000)).endsWith("...(950 more bytes)");
        assertThat(BadInputLog.escape((CharSequence) null)).isEqualTo("null");
    }

    /** Records WARN lines. */
    private static final class CountingLogger extends org.slf4j.helpers.MarkerIgnoringBase {
        final java.util.List<String> lines = new java.util.ArrayList<>();
        Object[] lastArgs;

        @Override public boolean isWarnEnabled() { return true; }
        @Override public void warn(String format, Object... args) { lines.add(format); lastArgs = args; }
        @Override public boolean isTraceEnabled() { return false; }
        @Override public void trace(String msg) { }
        @Override public void trace(String format, Object arg) { }
        @Override public void trace(String format, Object arg1, Object arg2) { }
        @Override public void trace(String format, Object... arguments) { }
        @Override public void trace(String msg, Throwable t) { }
        @Override public boolean isDebugEnabled() { return false; }
        @Override public void debug(String msg) { }
        @Override public void debug(String format, Object arg) { }
        @Override public void debug(String format, Object arg1, Object arg2) { }
        @Override public void debug(String format, Object... arguments) { }
        @Override public void debug(String msg, Throwable t) { }
        @Override public boolean isInfoEnabled() { return false; }
        @Override public void info(String msg) { }
        @Override public void info(String format, Object arg) { }
        @Override public void info(String format, Object arg1, Object arg2) { }
        @Override public void info(String format, Object... arguments) { }
        @Override public void info(String msg, Throwable t) { }
        @Override public void warn(String msg) { lines.add(msg); }
        @Override public void warn(String format, Object arg) { warn(format, new Object[] {arg}); }
        @Override public void warn(String format, Object arg1, Object arg2) { warn(format, new Object[] {arg1, arg2}); }
        @Override public void warn(String msg, Throwable t) { lines.add(msg); }
        @Override public boolean isErrorEnabled() { return false; }
        @Override public void error(String msg) { }
        @Override public void error(String format, Object arg) { }
        @Override public void error(String format, Object arg1, Object arg2) { }
        @Override public void error(String format, Object... arguments) { }
        @Override public void error(String msg, Throwable t) { }
    }
}
