package io.ketcd.server;

import io.ketcd.api.raft.RaftCore;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.raft.RawNode;
import io.ketcd.testing.cluster.KeyWriter;
import io.ketcd.testing.cluster.Members;
import io.ketcd.testing.cluster.TestCluster;
import io.ketcd.testing.cluster.TestMember;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Members of one cluster in this JVM connected by an {@link InMemoryNetwork}: the server's
 * cluster behaviour (replication, elections, snapshots, membership) without the peer transport.
 * A member named {@code n} has the peer URL {@code http://n:2380}.
 */
final class InMemoryCluster implements TestCluster {
    private final Path dir;
    private final InMemoryNetwork network = new InMemoryNetwork();
    /** Every member whose peer URL was handed out, in order: the {@code initial-cluster} of the next start. */
    private final Set<String> named = new LinkedHashSet<>();
    private final Map<String, KetcdServer> running = new LinkedHashMap<>();

    InMemoryCluster(Path dir) {
        this.dir = dir;
    }

    InMemoryNetwork network() {
        return network;
    }

    KetcdServer server(String name) {
        return running.get(name);
    }

    Map<String, KetcdServer> running() {
        return running;
    }

    @Override
    public TestMember start(String name, Map<String, String> extra) throws Exception {
        named.add(name);
        Map<String, String> withCluster = new LinkedHashMap<>();
        withCluster.put("initial-cluster", String.join(",", named.stream().map(n -> n + "=" + peerUrl(n)).toList()));
        withCluster.putAll(extra);
        KetcdServer s = KetcdServer.start(InMemoryMembers.config(dir, name, withCluster), RawNode::new,
                network.peerNetwork());
        running.put(name, s);
        return new ServerMember(name, s);
    }

    @Override
    public void stop(String name) {
        running.remove(name).close();
    }

    @Override
    public String peerUrl(String name) {
        named.add(name);
        return "http://" + name + ":2380";
    }

    @Override
    public boolean receivedSnapshot(String name) {
        return network.snapshotsDeliveredTo(running.get(name).memberId()) > 0;
    }

    @Override
    public RaftCore standardCore() {
        return RawNode::new;
    }

    /** Writes through each of {@code members} in turn, straight to its KV facet. */
    @Override
    public KeyWriter writer(List<TestMember> members) {
        AtomicInteger next = new AtomicInteger();
        return key -> members.get(Math.floorMod(next.getAndIncrement(), members.size())).kv().put(PutRequest.newBuilder()
                .setKey(Members.bytes(key)).setValue(Members.bytes(key)).build());
    }

    @Override
    public void close() {
        running.values().forEach(KetcdServer::close);
        running.clear();
        network.close();
    }
}
