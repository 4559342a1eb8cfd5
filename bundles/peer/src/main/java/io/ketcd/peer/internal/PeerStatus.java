package io.ketcd.peer.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a peer is reachable (etcd's peerStatus): logs each transition once, the failures of a
 * peer that was never active (or is inactive again) once until it becomes active, and a full
 * queue once until the peer becomes active again: a peer that refuses this member's certificate,
 * or an https URL without peer TLS, is one warning, not one per retry. Thread-safe.
 */
final class PeerStatus {
    private static final Logger LOG = LoggerFactory.getLogger(PeerStatus.class);

    private final String local;
    private final String peer;
    private final Clock clock;
    private Instant since;
    private boolean dropLogged;
    /** Whether a failure was logged since the peer was last active. */
    private boolean failureLogged;
    private long failures;

    PeerStatus(long localId, long peerId, Clock clock) {
        this.local = Ids.hex(localId);
        this.peer = Ids.hex(peerId);
        this.clock = clock;
    }

    synchronized void activate() {
        if (since == null) {
            since = clock.instant();
            dropLogged = false;
            failureLogged = false;
            LOG.info("{}: peer {} became active", local, peer);
        }
    }

    /** A connection or request to the peer failed. */
    synchronized void deactivate(String source, String reason) {
        failures++;
        if (since != null) {
            since = null;
            failureLogged = true;
            LOG.warn("{}: peer {} became inactive ({} failed: {})", local, peer, source, reason);
        } else if (!failureLogged) {
            failureLogged = true;
            LOG.warn("{}: cannot reach peer {} ({} failed: {}); logged once until the peer is active", local, peer, source, reason);
        }
    }

    /** How many failures {@link #deactivate} was told of. */
    synchronized long failures() {
        return failures;
    }

    synchronized Optional<Instant> activeSince() {
        return Optional.ofNullable(since);
    }

    synchronized boolean isActive() {
        return since != null;
    }

    /** A message to the peer was dropped because its queue is full: logged once until it recovers. */
    void dropped(String path, int bound) {
        boolean log;
        synchronized (this) {
            log = !dropLogged;
            dropLogged = true;
        }
        if (log) {
            LOG.warn("{}: dropping messages to peer {}: the {} queue is full ({} messages); logged once until the peer is active again",
                    local, peer, path, bound);
        }
    }
}
