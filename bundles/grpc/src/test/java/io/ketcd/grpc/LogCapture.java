package io.ketcd.grpc;

import io.ketcd.api.log.BadInputLog;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.slf4j.helpers.MessageFormatter;

/**
 * What a server under test logs about bad input: the lines of its {@link BadInputLog} (a
 * recording slf4j logger behind it) and every java.util.logging record at INFO or above that
 * reaches the root logger's handlers, which is how grpc-java and its Netty log.
 */
final class LogCapture implements AutoCloseable {
    /** Bad input lines as written, formatted. */
    final List<String> badInputLines = new CopyOnWriteArrayList<>();
    /** JUL records that would have been printed. */
    final List<LogRecord> julRecords = new CopyOnWriteArrayList<>();
    final BadInputLog badInputLog;
    private final Logger root = Logger.getLogger("");
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            // grpc-java says once per JVM, in whichever test comes first, whether epoll is there
            boolean staticInit = record.getLoggerName() != null && record.getLoggerName().endsWith(".TcpMetrics");
            if (record.getLevel().intValue() >= Level.INFO.intValue() && !staticInit) {
                julRecords.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    LogCapture() {
        org.slf4j.Logger recording = (org.slf4j.Logger) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {org.slf4j.Logger.class}, (proxy, method, args) -> {
                    String name = method.getName();
                    if (name.startsWith("is") && name.endsWith("Enabled")) {
                        return true;
                    }
                    if (name.equals("getName")) {
                        return "bad-input";
                    }
                    if (name.equals("warn") && args.length == 2 && args[1] instanceof Object[] a) {
                        badInputLines.add(MessageFormatter.arrayFormat((String) args[0], a).getMessage());
                        return null;
                    }
                    throw new AssertionError("BadInputLog called " + method);
                });
        badInputLog = new BadInputLog(recording);
        root.addHandler(handler);
    }

    /** Everything logged, one entry per line written, for assertion messages. */
    List<String> lines() {
        return java.util.stream.Stream.concat(badInputLines.stream(),
                julRecords.stream().map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
                        + (r.getThrown() == null ? "" : " [with stack trace of " + r.getThrown() + "]"))).toList();
    }

    @Override
    public void close() {
        root.removeHandler(handler);
    }
}
