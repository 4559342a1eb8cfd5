package io.ketcd.peer.internal;

import java.time.Duration;

/**
 * The transport's timing, etcd's defaults unless a test shortens them.
 *
 * @param connReadTimeout a stream with no byte for this long is dead (etcd's ConnReadTimeout, 5 s)
 * @param linkHeartbeat an idle stream writer sends a link heartbeat this often (ConnReadTimeout / 3)
 * @param dialTimeout connect and response-header timeout (etcd: 1 s + 2 election timeouts)
 * @param requestTimeout a pipeline POST's whole exchange, and a snapshot's wait for its answer
 *     once the body is sent
 * @param backoffMin first reconnect delay of a stream reader
 * @param backoffMax the largest reconnect delay
 */
public record Timeouts(Duration connReadTimeout, Duration linkHeartbeat, Duration dialTimeout, Duration requestTimeout,
        Duration backoffMin, Duration backoffMax) {

    /** etcd's values for a member whose raft heartbeat is {@code heartbeatInterval} (election = 10 heartbeats). */
    public static Timeouts from(Duration heartbeatInterval) {
        Duration read = Duration.ofSeconds(5);
        Duration dial = Duration.ofSeconds(1).plus(heartbeatInterval.multipliedBy(20));
        return new Timeouts(read, read.dividedBy(3), dial, dial.plus(read), Duration.ofMillis(100), Duration.ofSeconds(3));
    }
}
