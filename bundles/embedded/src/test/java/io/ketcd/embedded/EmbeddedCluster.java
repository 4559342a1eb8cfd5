package io.ketcd.embedded;

import io.etcd.jetcd.Client;
import io.ketcd.api.raft.RaftCore;
import io.ketcd.raft.RawNode;
import io.ketcd.server.ServerMember;
import io.ketcd.testing.cluster.KeyWriter;
import io.ketcd.testing.cluster.TestCluster;
import io.ketcd.testing.cluster.TestMember;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Members on 127.0.0.1 with their real peer transport and gRPC listeners, started as {@link
 * EmbeddedEtcd}s of one {@link PeerCluster}; writers are jetcd clients, as etcd's clients write.
 */
final class EmbeddedCluster implements TestCluster {
    final PeerCluster peers;

    EmbeddedCluster(Path dir) {
        peers = new PeerCluster(dir, "http");
    }

    EmbeddedEtcd etcd(String name) {
        return peers.running.get(name);
    }

    @Override
    public TestMember start(String name, Map<String, String> extra) throws IOException {
        peers.reserve(name);
        return new ServerMember(name, peers.start(name, extra).server());
    }

    @Override
    public void stop(String name) {
        peers.running.remove(name).close();
    }

    @Override
    public String peerUrl(String name) {
        peers.reserve(name);
        return peers.peerUrl(name);
    }

    /**
     * Whether the member's snap directory has a raft snapshot. The scenario stops the member
     * before it applied {@code snapshot-count} entries and checks right after it caught up, so
     * the only snapshot it can have is the one its leader sent.
     */
    @Override
    public boolean receivedSnapshot(String name) throws IOException {
        try (Stream<Path> snaps = Files.list(peers.dataDir(name).resolve("member/snap"))) {
            return snaps.anyMatch(p -> p.getFileName().toString().endsWith(".snap"));
        }
    }

    @Override
    public RaftCore standardCore() {
        return RawNode::new;
    }

    /** A jetcd client of its own over every member's gRPC endpoint. */
    @Override
    public KeyWriter writer(List<TestMember> members) {
        Client client = peers.client(members.stream().map(m -> etcd(m.name())).toArray(EmbeddedEtcd[]::new));
        return key -> client.getKVClient().put(PeerCluster.bs(key), PeerCluster.bs(key));
    }

    @Override
    public void close() {
        peers.close();
    }
}
