package io.ketcd.testing.cluster;

import io.ketcd.api.raft.RaftCore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A cluster of members in this JVM that {@link ClusterScenarios} run over: connected in memory,
 * or through the real peer transport on 127.0.0.1. Members are named; a member's {@code
 * initial-cluster} names every member whose peer URL the cluster has handed out so far, so a
 * member added with {@code memberAdd} starts with {@code initial-cluster-state=existing} and
 * nothing else. {@link #close()} stops everything it started.
 */
public interface TestCluster extends AutoCloseable {

    /**
     * Starts the members {@code names} of a new cluster, with fast raft timing, then {@code
     * extra}; returns them in order. Every member's {@code initial-cluster} names them all.
     */
    default List<TestMember> startNew(List<String> names, Map<String, String> extra) throws Exception {
        names.forEach(this::peerUrl);
        List<TestMember> all = new ArrayList<>();
        for (String n : names) {
            all.add(start(n, extra));
        }
        return all;
    }

    /** Starts {@code name}: again from its data directory, or for the first time after it was added. */
    TestMember start(String name, Map<String, String> extra) throws Exception;

    /** Stops {@code name} as a crash would not: closes it; its data directory stays. */
    void stop(String name);

    /** The peer URL of {@code name}, handing out a new one for a member about to be added. */
    String peerUrl(String name);

    /** Whether {@code name} has installed a snapshot its leader sent, rather than catching up from entries. */
    boolean receivedSnapshot(String name) throws Exception;

    /** The raft core members run unless swapped. */
    RaftCore standardCore();

    /** A new writer through {@code members}, as this kind of cluster's clients write: one client per writer. */
    KeyWriter writer(List<TestMember> members);

    @Override
    void close();
}
