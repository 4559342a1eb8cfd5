package io.ketcd.host;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Counts what a test makes the server log, as lines a log file would get: slf4j-simple (the test
 * binding) prints each line, and a throwable's stack trace below it, to {@code System.err}, which
 * this replaces with a copy for its lifetime; Grizzly logs through java.util.logging, whose records
 * from {@code org.glassfish.grizzly} at INFO and above this takes from a handler (a record with a
 * throwable counts one line per line of its stack trace, as a console or file handler prints it).
 * Lines of other tests running at the same time would count too: the tests that use it do not run
 * in parallel. Close it to restore {@code System.err}.
 */
public final class LogCapture implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<LogRecord> records = new ArrayList<>();
    private final Logger grizzly = Logger.getLogger("org.glassfish.grizzly");
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.INFO.intValue()) {
                synchronized (records) {
                    records.add(record);
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    public LogCapture() {
        System.setErr(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (err) {
                    err.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (err) {
                    err.write(b, off, len);
                }
                original.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8));
        grizzly.addHandler(handler);
    }

    /** The lines logged so far (slf4j's, then Grizzly's with their stack traces), and forgets them. */
    public List<String> drain() {
        List<String> lines = new ArrayList<>();
        synchronized (err) {
            String text = err.toString(StandardCharsets.UTF_8);
            err.reset();
            text.lines().filter(l -> !l.isBlank()).forEach(lines::add);
        }
        synchronized (records) {
            for (LogRecord r : records) {
                lines.add(r.getLevel() + ": " + r.getMessage());
                for (Throwable t = r.getThrown(); t != null; t = t.getCause()) {
                    lines.add(t.toString());
                    for (StackTraceElement e : t.getStackTrace()) {
                        lines.add("\tat " + e);
                    }
                }
            }
            records.clear();
        }
        return lines;
    }

    @Override
    public void close() {
        grizzly.removeHandler(handler);
        System.setErr(original);
    }
}
