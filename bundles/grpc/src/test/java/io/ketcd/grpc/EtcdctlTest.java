package io.ketcd.grpc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real etcdctl (etcd 3.4's, from Debian's etcd-client) against GrpcServer over
 * {@link FakeEtcdServer}. The expected texts are what etcdctl prints against a real etcd 3.4.23
 * for the same answers (the member commands' texts were taken from a one-member etcd 3.4.23 with
 * a learner added, updated, promoted and removed).
 */
class EtcdctlTest {
    private static final Path ETCDCTL = Path.of("/usr/bin/etcdctl");

    private static FakeEtcdServer fake;
    private static GrpcServer grpc;
    private static String endpoint;

    @BeforeAll
    static void start() throws IOException {
        fake = new FakeEtcdServer(Map.of("listen-client-urls", "http://127.0.0.1:0"));
        grpc = TestListeners.start(fake);
        endpoint = "127.0.0.1:" + TestListeners.port(grpc);
    }

    @AfterAll
    static void stop() {
        grpc.close();
    }

    @BeforeEach
    void needsEtcdctl() {
        fake.resetMembers();
        assumeTrue(Files.isExecutable(ETCDCTL),
                "etcdctl is not installed at /usr/bin/etcdctl (apt-get install etcd-client); skipping");
    }

    @Test
    void putThenGet() throws Exception {
        assertThat(etcdctl("put", "ctl/foo", "bar")).isEqualTo(new Result(0, "OK\n", ""));
        assertThat(etcdctl("get", "ctl/foo").out()).isEqualTo("ctl/foo\nbar\n");
        assertThat(etcdctl("del", "ctl/foo").out()).isEqualTo("1\n");
    }

    @Test
    void endpointStatus() throws Exception {
        Result status = etcdctl("endpoint", "status");
        assertThat(status.exit()).isZero();
        // endpoint, member id, version, db size, is leader, is learner, raft term, raft index,
        // raft applied index, errors
        assertThat(status.out()).matches(endpoint.replace(".", "\\.")
                + ", bdae9bbc11dd390d, 3\\.4\\.23, 25 kB, true, false, 7, \\d+, \\d+, \n");
    }

    @Test
    void memberList() throws Exception {
        assertThat(etcdctl("member", "list").out())
                .isEqualTo("bdae9bbc11dd390d, started, fake, http://127.0.0.1:2380, http://127.0.0.1:2379, false\n");
    }

    @Test
    void memberAddUpdatePromoteRemove() throws Exception {
        assertThat(etcdctl("member", "add", "m2", "--learner", "--peer-urls=http://127.0.0.1:22380"))
                .isEqualTo(new Result(0, """
                        Member 6076c3f3e76e2044 added to cluster 1c2d3e4f5a6b7c8d

                        ETCD_NAME="m2"
                        ETCD_INITIAL_CLUSTER="m2=http://127.0.0.1:22380,fake=http://127.0.0.1:2380"
                        ETCD_INITIAL_ADVERTISE_PEER_URLS="http://127.0.0.1:22380"
                        ETCD_INITIAL_CLUSTER_STATE="existing"
                        """, ""));
        assertThat(etcdctl("member", "list").out()).isEqualTo("""
                6076c3f3e76e2044, unstarted, , http://127.0.0.1:22380, , true
                bdae9bbc11dd390d, started, fake, http://127.0.0.1:2380, http://127.0.0.1:2379, false
                """);

        assertThat(etcdctl("member", "update", "6076c3f3e76e2044",
                "--peer-urls=http://127.0.0.1:22381,http://127.0.0.1:22382"))
                .isEqualTo(new Result(0, "Member 6076c3f3e76e2044 updated in cluster 1c2d3e4f5a6b7c8d\n", ""));
        assertThat(etcdctl("member", "promote", "6076c3f3e76e2044"))
                .isEqualTo(new Result(0, "Member 6076c3f3e76e2044 promoted in cluster 1c2d3e4f5a6b7c8d\n", ""));
        assertThat(etcdctl("member", "list").out()).isEqualTo("""
                6076c3f3e76e2044, unstarted, , http://127.0.0.1:22381,http://127.0.0.1:22382, , false
                bdae9bbc11dd390d, started, fake, http://127.0.0.1:2380, http://127.0.0.1:2379, false
                """);

        assertThat(etcdctl("member", "remove", "6076c3f3e76e2044"))
                .isEqualTo(new Result(0, "Member 6076c3f3e76e2044 removed from cluster 1c2d3e4f5a6b7c8d\n", ""));
        assertThat(etcdctl("member", "list").out())
                .isEqualTo("bdae9bbc11dd390d, started, fake, http://127.0.0.1:2380, http://127.0.0.1:2379, false\n");
    }

    @Test
    void memberErrorsPrintAsEtcdPrintsThem() throws Exception {
        for (String[] args : List.of(
                new String[] {"member", "remove", "1234"},
                new String[] {"member", "update", "1234", "--peer-urls=http://127.0.0.1:22380"},
                new String[] {"member", "promote", "1234"})) {
            Result notFound = etcdctl(args);
            assertThat(notFound.exit()).isEqualTo(1);
            assertThat(notFound.out()).isEmpty();
            assertThat(lastLine(notFound.err())).isEqualTo("Error: etcdserver: member not found");
        }

        Result voter = etcdctl("member", "promote", "bdae9bbc11dd390d");
        assertThat(voter.exit()).isEqualTo(1);
        assertThat(lastLine(voter.err())).isEqualTo("Error: etcdserver: can only promote a learner member");

        Result used = etcdctl("member", "add", "m2", "--peer-urls=http://127.0.0.1:2380");
        assertThat(used.exit()).isEqualTo(1);
        assertThat(lastLine(used.err())).isEqualTo("Error: etcdserver: Peer URLs already exists");
    }

    @Test
    void etcdErrorsPrintAsEtcdPrintsThem() throws Exception {
        Result empty = etcdctl("put", "", "v");
        assertThat(empty.exit()).isEqualTo(1);
        assertThat(lastLine(empty.err())).isEqualTo("Error: etcdserver: key is not provided");

        Result future = etcdctl("compaction", "1000000");
        assertThat(future.exit()).isEqualTo(1);
        assertThat(lastLine(future.err())).isEqualTo("Error: etcdserver: mvcc: required revision is a future revision");
    }

    @Test
    void anUnimplementedMethodSaysSo() throws Exception {
        Result users = etcdctl("user", "list");
        assertThat(users.exit()).isEqualTo(1);
        assertThat(lastLine(users.err())).isEqualTo("Error: rpc error: code = Unimplemented"
                + " desc = etcdserver: etcdserverpb.Auth/UserList is not supported in ketcd yet");
    }

    @Test
    void putAndGetOverAUnixSocket(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("ketcd.sock");
        FakeEtcdServer unix = new FakeEtcdServer(Map.of("listen-client-urls", "unix://" + socket));
        try (GrpcServer server = TestListeners.start(unix)) {
            assertThat(server.boundAddresses()).containsExactly(UnixDomainSocketAddress.of(socket));
            List<String> viaSocket = List.of("--endpoints=unix://" + socket);
            assertThat(etcdctl(viaSocket, "put", "unix/k", "v")).isEqualTo(new Result(0, "OK\n", ""));
            assertThat(etcdctl(viaSocket, "get", "unix/k").out()).isEqualTo("unix/k\nv\n");
        }
        assertThat(socket).as("the socket file goes with the listener").doesNotExist();
    }

    record Result(int exit, String out, String err) {
    }

    private static Result etcdctl(String... args) throws IOException, InterruptedException {
        return etcdctl(List.of("--endpoints=" + endpoint), args);
    }

    /** etcdctl with {@code connection} flags (endpoints, TLS files) before {@code args}. */
    static Result etcdctl(List<String> connection, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ETCDCTL.toString(), "--dial-timeout=5s", "--command-timeout=10s"));
        command.addAll(connection);
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("ETCDCTL_API", "3");
        Path out = Files.createTempFile("etcdctl", ".out");
        Path err = Files.createTempFile("etcdctl", ".err");
        try {
            Process p = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("etcdctl " + String.join(" ", args) + " did not finish in 30 s");
            }
            return new Result(p.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }
}
