package io.ketcd.api.raft;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Where a raft node writes its log lines; injected so that tests can capture them.
 * Messages use {@code {}} placeholders as SLF4J does. Implementations must not throw and
 * must not call back into the node.
 */
@ConsumerType
public interface RaftLogger {

    void debug(String msg, Object... args);

    void info(String msg, Object... args);

    void warn(String msg, Object... args);

    /** A logger that drops everything. */
    RaftLogger NOOP = new RaftLogger() {
        @Override
        public void debug(String msg, Object... args) {
        }

        @Override
        public void info(String msg, Object... args) {
        }

        @Override
        public void warn(String msg, Object... args) {
        }
    };
}
