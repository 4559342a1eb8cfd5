package io.ketcd.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.options.GetOption;
import io.ketcd.server.ServerConfig;
import io.ketcd.testing.Await;
import io.ketcd.testing.FreePorts;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Members of one test cluster on 127.0.0.1, with peer URLs of one scheme ({@code http} or {@code
 * https}): peer ports are picked before any member starts (every member's {@code
 * initial-cluster} names them all), client ports are 0. {@link #close()} closes every client and
 * member it started, clients first.
 */
final class PeerCluster implements AutoCloseable {
    static final Duration BOUND = Duration.ofSeconds(30);

    private final Path dir;
    private final String scheme;
    private final Map<String, Integer> peerPorts = new LinkedHashMap<>();
    final Map<String, EmbeddedEtcd> running = new LinkedHashMap<>();
    private final List<Client> clients = new ArrayList<>();
    /** One client per member for {@link #localValue}, which awaits call often. */
    private final Map<EmbeddedEtcd, Client> localClients = new HashMap<>();

    PeerCluster(Path dir, String scheme) {
        this.dir = dir;
        this.scheme = scheme;
    }

    /** Picks a free peer port for each of {@code names} that has none; they join {@code initial-cluster} from then on. */
    void reserve(String... names) {
        for (String n : names) {
            peerPorts.computeIfAbsent(n, x -> FreePorts.one());
        }
    }

    int peerPort(String name) {
        return peerPorts.get(name);
    }

    String peerUrl(String name) {
        return scheme + "://127.0.0.1:" + peerPorts.get(name);
    }

    Path dataDir(String name) {
        return dir.resolve(name);
    }

    private String initialCluster() {
        return String.join(",", peerPorts.keySet().stream().map(n -> n + "=" + peerUrl(n)).toList());
    }

    /** The configuration {@link #start} uses: the member's URLs and directory, 50/500 ms raft timing, then {@code extra}. */
    Map<String, String> config(String name, Map<String, String> extra) {
        Map<String, String> cfg = new HashMap<>(Map.of(
                "name", name,
                "data-dir", dataDir(name).toString(),
                "listen-client-urls", "http://127.0.0.1:0",
                "listen-client-http-urls", "http://127.0.0.1:0",
                "listen-peer-urls", peerUrl(name),
                "initial-advertise-peer-urls", peerUrl(name),
                "initial-cluster", initialCluster(),
                "heartbeat-interval", "50",
                "election-timeout", "500"));
        cfg.putAll(extra);
        return cfg;
    }

    EmbeddedEtcd start(String name, Map<String, String> extra) throws IOException {
        EmbeddedEtcd e = EmbeddedEtcd.start(config(name, extra));
        running.put(name, e);
        return e;
    }

    /** Starts members m1, m2 and m3, each with {@code extra}, and waits until they agree on a leader. */
    List<EmbeddedEtcd> startThree(Map<String, String> extra) throws IOException {
        Map<String, Map<String, String>> three = new LinkedHashMap<>();
        for (String n : List.of("m1", "m2", "m3")) {
            three.put(n, extra);
        }
        List<EmbeddedEtcd> members = startAll(three);
        agreedLeader(members);
        return members;
    }

    /** Reserves ports for {@code names} and starts each with its own extra configuration. */
    List<EmbeddedEtcd> startAll(Map<String, Map<String, String>> extraByName) throws IOException {
        reserve(extraByName.keySet().toArray(String[]::new));
        List<EmbeddedEtcd> all = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> e : extraByName.entrySet()) {
            all.add(start(e.getKey(), e.getValue()));
        }
        return all;
    }

    Client client(EmbeddedEtcd... members) {
        ClientBuilder b = Client.builder().endpoints(Stream.of(members).map(EmbeddedEtcd::grpcEndpoint).toArray(String[]::new));
        Client c = b.build();
        clients.add(c);
        return c;
    }

    /**
     * Starts one member, {@code m1}, with {@code settings}, waits until it leads, then adds etcd's
     * root user (password {@code rootpw}) and enables auth with etcdctl, checking its answers.
     */
    EmbeddedEtcd startWithRoot(Map<String, String> settings) throws Exception {
        EmbeddedEtcd member = startAll(Map.of("m1", settings)).get(0);
        agreedLeader(List.of(member));
        List<String> at = List.of("--endpoints=" + member.grpcEndpoint());
        assertThat(Command.etcdctl(at, "user", "add", "root:rootpw").out()).isEqualTo("User root created\n");
        assertThat(Command.etcdctl(at, "auth", "enable").out()).isEqualTo("Authentication Enabled\n");
        return member;
    }

    /** {@code member}'s configuration with {@code keyValues} (key, value, key, value...) changed, read as a new one is. */
    static ServerConfig configWith(EmbeddedEtcd member, String... keyValues) {
        Map<String, String> flags = new HashMap<>(member.server().config().flags());
        for (int i = 0; i < keyValues.length; i += 2) {
            flags.put(keyValues[i], keyValues[i + 1]);
        }
        return ServerConfig.from(flags, Map.of());
    }

    static ByteSequence bs(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    static void awaitTrue(String what, BooleanSupplier condition) {
        Await.until(what, BOUND, condition);
    }

    /** The leader every member names, once they all name the same one and it is not 0. */
    static long agreedLeader(List<EmbeddedEtcd> members) {
        return agreedLeader(members, 0);
    }

    /** The leader every member names, once they all name the same one and it is neither 0 nor {@code notThis}. */
    static long agreedLeader(List<EmbeddedEtcd> members, long notThis) {
        long[] lead = new long[1];
        awaitTrue("a leader all members agree on", () -> {
            List<Long> leaders = members.stream().map(m -> {
                try {
                    return m.server().status().get(5, TimeUnit.SECONDS).getLeader();
                } catch (Exception e) {
                    return 0L;
                }
            }).distinct().toList();
            lead[0] = leaders.get(0);
            return leaders.size() == 1 && lead[0] != 0 && lead[0] != notThis;
        });
        return lead[0];
    }

    /** The value of {@code key} as {@code member} has it locally (a serializable read), null when absent or failing. */
    String localValue(EmbeddedEtcd member, String key) {
        try {
            Client c = localClients.computeIfAbsent(member, this::client);
            var kvs = c.getKVClient().get(bs(key), GetOption.builder().withSerializable(true).build())
                    .get(5, TimeUnit.SECONDS).getKvs();
            return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(UTF_8);
        } catch (Exception e) {
            return null;
        }
    }

    static long appliedIndex(EmbeddedEtcd member) {
        try {
            return member.server().status().get(5, TimeUnit.SECONDS).getRaftAppliedIndex();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        clients.forEach(Client::close);
        clients.clear();
        localClients.clear();
        running.values().forEach(EmbeddedEtcd::close);
        running.clear();
    }
}
