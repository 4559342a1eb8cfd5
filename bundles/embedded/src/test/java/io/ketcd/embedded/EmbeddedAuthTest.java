package io.ketcd.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's auth end to end with etcdctl 3.4 on a 3-member cluster: users, roles and a prefix
 * permission made on one member, auth enabled, then a limited user on other members, with
 * etcd's outputs and error texts.
 */
class EmbeddedAuthTest {
    @TempDir
    Path dir;
    private PeerCluster cluster;
    private List<EmbeddedEtcd> members;

    @BeforeEach
    void start() throws Exception {
        cluster = new PeerCluster(dir, "http");
        members = cluster.startThree(Map.of());
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private Command at(int member, String user, String... args) throws Exception {
        List<String> connection = new ArrayList<>(List.of("--endpoints=" + members.get(member).grpcEndpoint()));
        if (user != null) {
            connection.add("--user=" + user);
        }
        return Command.etcdctl(connection, args);
    }

    private void assertOut(Command c, String out) {
        assertThat(c.out()).as(c.toString()).isEqualTo(out);
        assertThat(c.exit()).as(c.toString()).isZero();
    }

    private void assertError(Command c, String error) {
        assertThat(c.exit()).as(c.toString()).isNotZero();
        assertThat(c.err()).as(c.toString()).contains("Error: " + error);
    }

    @Test
    void aLimitedUserReachesOnlyItsPrefixWhileRootReachesEverythingUntilAuthIsDisabled() throws Exception {
        assertOut(at(0, null, "user", "add", "root:rootpw"), "User root created\n");
        assertOut(at(0, null, "role", "add", "app-rw"), "Role app-rw created\n");
        assertOut(at(0, null, "role", "grant-permission", "app-rw", "--prefix=true", "readwrite", "app/"),
                "Role app-rw updated\n");
        assertOut(at(0, null, "user", "add", "alice:alicepw"), "User alice created\n");
        assertOut(at(0, null, "user", "grant-role", "alice", "app-rw"), "Role app-rw is granted to user alice\n");
        assertOut(at(0, null, "put", "other/k", "before"), "OK\n");
        assertOut(at(1, null, "auth", "enable"), "Authentication Enabled\n");

        String alice = "alice:alicepw";
        assertOut(at(2, alice, "put", "app/k", "v"), "OK\n");
        assertOut(at(1, alice, "get", "app/k"), "app/k\nv\n");
        assertOut(at(1, alice, "get", "--prefix", "app/"), "app/k\nv\n");
        assertError(at(2, alice, "get", "other/k"), "etcdserver: permission denied");
        assertError(at(2, alice, "put", "other/k", "x"), "etcdserver: permission denied");
        assertError(at(0, alice, "del", "other/k"), "etcdserver: permission denied");
        assertError(at(0, alice, "get", "--prefix", "ap"), "etcdserver: permission denied");
        // a txn is checked whole: a forbidden key in the branch not taken refuses it, as etcd 3.4 does
        List<String> asAlice = List.of("--endpoints=" + members.get(1).grpcEndpoint(), "--user=" + alice);
        Command allowed = Command.etcdctlWithInput(asAlice, "value(\"app/k\") = \"v\"\n\nput app/t 1\n\nput app/f 1\n\n", "txn");
        assertThat(allowed.out()).as(allowed.toString()).isEqualTo("SUCCESS\n\nOK\n");
        Command refused = Command.etcdctlWithInput(asAlice, "value(\"app/k\") = \"v\"\n\nput app/t 2\n\nput other/t 1\n\n", "txn");
        assertError(refused, "etcdserver: permission denied");
        assertError(at(0, null, "get", "app/k"), "etcdserver: user name is empty");
        assertError(at(0, "alice:wrong", "get", "app/k"),
                "etcdserver: authentication failed, invalid user ID or password");
        assertError(at(0, alice, "user", "list"), "etcdserver: permission denied");
        // maintenance answers with the auth package's own error, as etcd 3.4's does
        Command defrag = at(0, alice, "defrag");
        assertThat(defrag.err()).as(defrag.toString()).contains("Failed to defragment etcd member[",
                "(rpc error: code = Unknown desc = auth: permission denied)");
        assertError(at(0, alice, "member", "add", "x", "--peer-urls=http://127.0.0.1:1"), "etcdserver: permission denied");
        Command watch = at(1, alice, "watch", "other/k");
        assertThat(watch.err()).as(watch.toString()).contains(
                "watch was canceled (rpc error: code = PermissionDenied desc = etcdserver: permission denied)");
        assertOut(at(1, alice, "compaction", "2"), "compacted revision 2\n");
        String lease = at(0, "root:rootpw", "lease", "grant", "600").out().split(" ")[1];
        assertOut(at(0, "root:rootpw", "put", "other/leased", "x", "--lease=" + lease), "OK\n");
        assertError(at(2, alice, "lease", "revoke", lease), "failed to revoke lease (etcdserver: permission denied)");
        // the keys of a lease are shown only to who may read them (etcd 3.4.26's fix); its TTL to anyone
        assertError(at(1, alice, "lease", "timetolive", lease, "--keys"), "etcdserver: permission denied");
        assertThat(at(1, alice, "lease", "timetolive", lease).out()).startsWith("lease " + lease + " granted with TTL(600s)");
        assertThat(at(2, alice, "lease", "grant", "60").out()).contains("granted with TTL(60s)");
        // listing members and a member's status need no user, as in etcd
        assertThat(at(1, alice, "member", "list").exit()).isZero();
        assertThat(at(1, null, "endpoint", "status").exit()).isZero();

        String root = "root:rootpw";
        assertOut(at(1, root, "get", "other/k"), "other/k\nbefore\n");
        assertOut(at(1, root, "put", "other/k", "after"), "OK\n");
        assertOut(at(2, root, "user", "list"), "alice\nroot\n");
        assertOut(at(2, root, "role", "get", "app-rw"),
                "Role app-rw\nKV Read:\n\t[app/, app0) (prefix app/)\nKV Write:\n\t[app/, app0) (prefix app/)\n");

        assertOut(at(0, root, "auth", "disable"), "Authentication Disabled\n");
        assertOut(at(2, null, "get", "other/k"), "other/k\nafter\n");
        assertOut(at(2, null, "put", "other/k", "open"), "OK\n");
    }

    @Test
    void jetcdWithUserAndPasswordAuthenticatesAndAuthenticatesAgainWhenTheAuthStoreChanged() throws Exception {
        assertOut(at(0, null, "user", "add", "root:rootpw"), "User root created\n");
        assertOut(at(0, null, "role", "add", "app-rw"), "Role app-rw created\n");
        assertOut(at(0, null, "role", "grant-permission", "app-rw", "--prefix=true", "readwrite", "app/"),
                "Role app-rw updated\n");
        assertOut(at(0, null, "user", "add", "alice:alicepw"), "User alice created\n");
        assertOut(at(0, null, "user", "grant-role", "alice", "app-rw"), "Role app-rw is granted to user alice\n");
        assertOut(at(0, null, "auth", "enable"), "Authentication Enabled\n");

        try (io.etcd.jetcd.Client alice = io.etcd.jetcd.Client.builder()
                .endpoints(members.stream().map(EmbeddedEtcd::grpcEndpoint).toArray(String[]::new))
                .user(PeerCluster.bs("alice")).password(PeerCluster.bs("alicepw")).build()) {
            alice.getKVClient().put(PeerCluster.bs("app/1"), PeerCluster.bs("one")).get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(alice.getKVClient().get(PeerCluster.bs("app/1")).get(30, java.util.concurrent.TimeUnit.SECONDS)
                    .getKvs()).hasSize(1);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> alice.getKVClient()
                    .put(PeerCluster.bs("other/1"), PeerCluster.bs("x")).get(30, java.util.concurrent.TimeUnit.SECONDS))
                    .hasMessageContaining("etcdserver: permission denied");

            // etcd 3.4 checks both branches of a txn: a forbidden key in the branch not taken is refused too
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> alice.getKVClient().txn()
                    .Then(io.etcd.jetcd.op.Op.put(PeerCluster.bs("app/t"), PeerCluster.bs("1"), io.etcd.jetcd.options.PutOption.DEFAULT))
                    .Else(io.etcd.jetcd.op.Op.put(PeerCluster.bs("other/t"), PeerCluster.bs("1"), io.etcd.jetcd.options.PutOption.DEFAULT))
                    .commit().get(30, java.util.concurrent.TimeUnit.SECONDS))
                    .hasMessageContaining("etcdserver: permission denied");
            alice.getKVClient().txn()
                    .Then(io.etcd.jetcd.op.Op.put(PeerCluster.bs("app/t"), PeerCluster.bs("1"), io.etcd.jetcd.options.PutOption.DEFAULT))
                    .Else(io.etcd.jetcd.op.Op.get(PeerCluster.bs("app/u"), io.etcd.jetcd.options.GetOption.DEFAULT))
                    .commit().get(30, java.util.concurrent.TimeUnit.SECONDS);

            // Lock and Election act with the client's rights: alice may lock under app/, not elsewhere
            var held = alice.getLockClient().lock(PeerCluster.bs("app/lock"), 0).get(30, java.util.concurrent.TimeUnit.SECONDS);
            alice.getLockClient().unlock(held.getKey()).get(30, java.util.concurrent.TimeUnit.SECONDS);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> alice.getLockClient().lock(PeerCluster.bs("other/lock"), 0)
                    .get(30, java.util.concurrent.TimeUnit.SECONDS)).hasMessageContaining("etcdserver: permission denied");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> alice.getElectionClient().leader(PeerCluster.bs("other/e"))
                    .get(30, java.util.concurrent.TimeUnit.SECONDS)).hasMessageContaining("etcdserver: permission denied");

            // a change of the auth store makes alice's token old: jetcd authenticates again and carries on
            assertOut(at(1, "root:rootpw", "role", "grant-permission", "app-rw", "read", "extra"), "Role app-rw updated\n");
            alice.getKVClient().put(PeerCluster.bs("app/2"), PeerCluster.bs("two")).get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(alice.getKVClient().get(PeerCluster.bs("app/2")).get(30, java.util.concurrent.TimeUnit.SECONDS)
                    .getKvs().get(0).getValue().toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("two");
        }
        try (io.etcd.jetcd.Client wrong = io.etcd.jetcd.Client.builder().endpoints(members.get(0).grpcEndpoint())
                .user(PeerCluster.bs("alice")).password(PeerCluster.bs("nope")).build()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> wrong.getKVClient().get(PeerCluster.bs("app/1"))
                    .get(30, java.util.concurrent.TimeUnit.SECONDS))
                    // jetcd reports a failed Authenticate as UNAUTHENTICATED, with etcd's error as the cause
                    .hasMessageContaining("UNAUTHENTICATED")
                    .hasStackTraceContaining("etcdserver: authentication failed, invalid user ID or password");
        }
    }

    /** The answers etcd 3.4.23 gives to the same etcdctl commands (checked side by side). */
    @Test
    void userAndRoleManagementAnswersAsEtcd() throws Exception {
        assertOut(at(0, null, "user", "add", "bob:"), "User bob created\n");
        assertOut(at(0, null, "user", "add", "--no-password", "nopw"), "User nopw created\n");
        assertError(at(1, null, "user", "grant-role", "bob", "nosuch"), "etcdserver: role name not found");
        assertError(at(1, null, "user", "revoke-role", "bob", "nosuch"), "etcdserver: role is not granted to the user");
        assertError(at(2, null, "role", "revoke-permission", "nosuch", "k"), "etcdserver: role name not found");
        assertOut(at(2, null, "role", "add", "r"), "Role r created\n");
        assertError(at(2, null, "role", "revoke-permission", "r", "k"), "etcdserver: permission is not granted to the role");
        assertError(at(0, null, "user", "get", "nosuch"), "etcdserver: user name not found");
        assertError(at(0, null, "role", "get", "nosuch"), "etcdserver: role name not found");
        assertError(at(0, null, "user", "delete", "nosuch"), "etcdserver: user name not found");
        assertError(at(0, null, "user", "add", "bob:again"), "etcdserver: user name already exists");
        assertOut(at(1, null, "auth", "disable"), "Authentication Disabled\n");
        // an empty password is no login at all for etcdctl: a plain get, as against etcd
        assertOut(at(1, "bob:", "get", "x"), "");
    }
}
