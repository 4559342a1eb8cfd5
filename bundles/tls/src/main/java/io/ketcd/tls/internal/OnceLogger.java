package io.ketcd.tls.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;

/**
 * Warns once per distinct message, so a flood of connections refused for the same reason (or a
 * broken file polled on every handshake) leaves one line in the log, not one per attempt.
 * Thread-safe.
 */
public final class OnceLogger {
    /** Bounds the memory a peer sending ever-new certificates could make us spend on remembering. */
    static final int MAX_DISTINCT = 1024;

    private final Logger log;
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    public OnceLogger(Logger log) {
        this.log = log;
    }

    /** Logs {@code message} at WARN unless the same message was logged before. */
    public void warn(String message, Throwable cause) {
        if (logged.size() >= MAX_DISTINCT) {
            return;
        }
        if (logged.add(message)) {
            if (logged.size() == MAX_DISTINCT) {
                log.warn("{} (further distinct TLS warnings are not logged)", message, cause);
            } else {
                log.warn(message, cause);
            }
        }
    }

    public void warn(String message) {
        warn(message, null);
    }
}
