package io.ketcd.server.internal;

import io.ketcd.api.raft.RaftLogger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The raft core's log lines, under the {@code io.ketcd.raft} logger. */
final class Slf4jRaftLogger implements RaftLogger {
    private static final Logger LOG = LoggerFactory.getLogger("io.ketcd.raft");

    @Override
    public void debug(String msg, Object... args) {
        LOG.debug(msg, args);
    }

    @Override
    public void info(String msg, Object... args) {
        LOG.info(msg, args);
    }

    @Override
    public void warn(String msg, Object... args) {
        LOG.warn(msg, args);
    }
}
