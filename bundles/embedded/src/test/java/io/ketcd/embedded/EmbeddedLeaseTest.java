package io.ketcd.embedded;

import static io.ketcd.embedded.PeerCluster.agreedLeader;
import static io.ketcd.embedded.PeerCluster.awaitTrue;
import static io.ketcd.embedded.PeerCluster.bs;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's Lease service end to end on a 3-member cluster on real sockets, through jetcd and
 * through etcdctl 3.4, each talking to a follower so that keep-alives and time-to-live questions
 * are forwarded to the leader. etcdctl's output is compared with what it prints against etcd
 * 3.4.23 (the expected texts below were taken from a real etcd with the same timing: heartbeat
 * 100 ms, election timeout 1 s, so a minimum TTL of 2 s).
 */
class EmbeddedLeaseTest {
    /** etcd's default timing, so the minimum TTL is etcd's default one (2 s). */
    private static final Map<String, String> ETCD_TIMING = Map.of("heartbeat-interval", "100", "election-timeout", "1000");

    @TempDir
    Path dir;
    private PeerCluster cluster;
    private List<EmbeddedEtcd> members;
    private EmbeddedEtcd follower;

    @BeforeEach
    void start() throws Exception {
        cluster = new PeerCluster(dir, "http");
        members = cluster.startThree(ETCD_TIMING);
        long leader = agreedLeader(members);
        follower = members.stream().filter(m -> m.server().memberId() != leader).findFirst().orElseThrow();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void jetcdGrantsKeepsAliveAsksAndRevokes() throws Exception {
        Client client = cluster.client(follower);
        long id = client.getLeaseClient().grant(10).get(10, TimeUnit.SECONDS).getID();
        client.getKVClient().put(bs("jetcd/a"), bs("1"), PutOption.builder().withLeaseId(id).build()).get(10, TimeUnit.SECONDS);
        client.getKVClient().put(bs("jetcd/b"), bs("2"), PutOption.builder().withLeaseId(id).build()).get(10, TimeUnit.SECONDS);

        assertThat(client.getLeaseClient().keepAliveOnce(id).get(10, TimeUnit.SECONDS).getTTL()).isEqualTo(10);
        List<LeaseKeepAliveResponse> kept = new CopyOnWriteArrayList<>();
        try (CloseableClient keepAlive = client.getLeaseClient().keepAlive(id, observer(kept))) {
            awaitTrue("a keep-alive answer on jetcd's stream", () -> !kept.isEmpty());
        }
        assertThat(kept.get(0).getID()).isEqualTo(id);
        assertThat(kept.get(0).getTTL()).isEqualTo(10);

        LeaseTimeToLiveResponse ttl = client.getLeaseClient()
                .timeToLive(id, LeaseOption.newBuilder().withAttachedKeys().build()).get(10, TimeUnit.SECONDS);
        assertThat(ttl.getGrantedTTL()).isEqualTo(10);
        assertThat(ttl.getTTL()).isBetween(5L, 10L);
        assertThat(ttl.getKeys()).containsExactly(bs("jetcd/a"), bs("jetcd/b"));

        client.getLeaseClient().revoke(id).get(10, TimeUnit.SECONDS);
        for (EmbeddedEtcd m : members) {
            awaitTrue("the revoke deleted the keys on every member", () -> cluster.localValue(m, "jetcd/a") == null
                    && cluster.localValue(m, "jetcd/b") == null);
        }
        assertThat(client.getLeaseClient().timeToLive(id, LeaseOption.DEFAULT).get(10, TimeUnit.SECONDS).getTTL()).isEqualTo(-1);
        try {
            client.getKVClient().put(bs("jetcd/c"), bs("3"), PutOption.builder().withLeaseId(id).build()).get(10, TimeUnit.SECONDS);
            throw new AssertionError("a put with a revoked lease succeeded");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).hasMessageContaining("etcdserver: requested lease not found");
        }
    }

    @Test
    void etcdctlLeaseCommandsPrintWhatTheyPrintAgainstEtcd() throws Exception {
        List<String> at = List.of("--endpoints=" + follower.grpcEndpoint());
        Command granted = Command.etcdctl(at, "lease", "grant", "60");
        Matcher m = Pattern.compile("lease ([0-9a-f]{16}) granted with TTL\\(60s\\)\n").matcher(granted.out());
        assertThat(m.matches()).as(granted.toString()).isTrue();
        String id = m.group(1);

        assertThat(Command.etcdctl(at, "put", "--lease=" + id, "ctl/k1", "v1").out()).isEqualTo("OK\n");
        assertThat(Command.etcdctl(at, "put", "--lease=" + id, "ctl/k2", "v2").out()).isEqualTo("OK\n");
        assertThat(Command.etcdctl(at, "lease", "keep-alive", "--once", id).out())
                .isEqualTo("lease " + id + " keepalived with TTL(60)\n");
        assertThat(Command.etcdctl(at, "lease", "timetolive", "--keys", id).out())
                .matches("lease " + id + " granted with TTL\\(60s\\), remaining\\((5[5-9]|60)s\\), attached keys\\(\\[ctl/k1 ctl/k2\\]\\)\n");
        assertThat(Command.etcdctl(at, "lease", "list").out()).isEqualTo("found 1 leases\n" + id + "\n");
        assertThat(Command.etcdctl(at, "lease", "revoke", id).out()).isEqualTo("lease " + id + " revoked\n");
        assertThat(Command.etcdctl(at, "get", "--prefix", "ctl/").out()).isEmpty();
        assertThat(Command.etcdctl(at, "lease", "timetolive", id).out()).isEqualTo("lease " + id + " already expired\n");

        Command keepAliveGone = Command.etcdctl(at, "lease", "keep-alive", "--once", id);
        assertThat(keepAliveGone.exit()).isEqualTo(2);
        assertThat(lastLine(keepAliveGone.err())).isEqualTo("Error: etcdserver: requested lease not found");
        Command revokeGone = Command.etcdctl(at, "lease", "revoke", id);
        assertThat(revokeGone.exit()).isEqualTo(1);
        assertThat(lastLine(revokeGone.err())).isEqualTo("Error: failed to revoke lease (etcdserver: requested lease not found)");
        Command putGone = Command.etcdctl(at, "put", "--lease=1234", "ctl/k3", "v");
        assertThat(putGone.exit()).isEqualTo(1);
        assertThat(lastLine(putGone.err())).isEqualTo("Error: etcdserver: requested lease not found");
        Command tooLarge = Command.etcdctl(at, "lease", "grant", "9000000001");
        assertThat(tooLarge.exit()).isEqualTo(1);
        assertThat(lastLine(tooLarge.err())).isEqualTo("Error: failed to grant lease (etcdserver: too large lease TTL)");
        assertThat(Command.etcdctl(at, "lease", "grant", "0").out()).matches("lease [0-9a-f]{16} granted with TTL\\(2s\\)\n");
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }

    private static StreamObserver<LeaseKeepAliveResponse> observer(List<LeaseKeepAliveResponse> into) {
        return new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse value) {
                into.add(value);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        };
    }
}
