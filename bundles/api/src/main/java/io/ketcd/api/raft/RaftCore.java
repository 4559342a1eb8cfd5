package io.ketcd.api.raft;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Creates raft nodes; the OSGi service behind DESIGN.md's swappable raft core.
 *
 * <p>Thread-safe: {@link #create} may be called from any thread; the node it returns is not
 * thread-safe and belongs to the caller's driver thread.
 */
@ProviderType
public interface RaftCore {

    /**
     * Creates a node that restarts from {@code storage}: its term, vote and commit index come
     * from {@link StateStorage#initialState()}, its log and snapshot from the {@link LogStorage}
     * methods. A brand-new member passes a storage whose {@link InitialState#confState()} lists
     * the initial voters.
     *
     * @param config the node's identity and tuning; validated here
     * @param storage the node's durable state; the node keeps a reference and reads it until
     *     the caller stops using the node
     * @return a new node, owned by the caller
     * @throws IllegalArgumentException if {@code config} is invalid (see {@link RaftNodeConfig})
     */
    RaftNode create(RaftNodeConfig config, RaftStorage storage);
}
