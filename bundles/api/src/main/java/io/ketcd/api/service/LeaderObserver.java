package io.ketcd.api.service;

import io.ketcd.proto.v3electionpb.LeaderResponse;

import org.osgi.annotation.versioning.ConsumerType;

/** The receiving end of {@link ElectionService#observe}: called from one thread at a time. */
@ConsumerType
public interface LeaderObserver {

    /** The leader, or its value, changed (the first call: the leader at the start). */
    void leader(LeaderResponse response);

    /** No more calls will come: the member could not read or watch the election any more. */
    void end();
}
