package io.ketcd.api.raft;

/**
 * Thrown when a proposal was not accepted: no leader is known, forwarding is disabled, a
 * leadership transfer is under way, or the uncommitted tail is full. etcd answers such a
 * proposal with a timeout or "leader changed"; the proposal was certainly not appended.
 */
public final class ProposalDroppedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ProposalDroppedException(String message) {
        super(message);
    }
}
