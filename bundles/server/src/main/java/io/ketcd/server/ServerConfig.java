package io.ketcd.server;

import io.ketcd.api.config.Flags;
import io.ketcd.api.config.SharedFlags;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A member's configuration under etcd's flag names, with etcd's defaults. Built once, by
 * {@link #from(Map, Map)}, from configuration properties (Karaf's {@code etc/io.ketcd.server.cfg},
 * or the embedded launcher's map) and the process environment, where {@code ETCD_<FLAG>}
 * (upper case, '-' as '_') overrides the property, as etcd's environment variables do.
 *
 * <p>{@link #KEYS} is the one home of the keys and their defaults.
 */
public record ServerConfig(
        String name,
        Path dataDir,
        List<URI> advertiseClientUrls,
        List<URI> listenPeerUrls,
        List<URI> initialAdvertisePeerUrls,
        String initialCluster,
        String initialClusterState,
        String initialClusterToken,
        Duration heartbeatInterval,
        Duration electionTimeout,
        long snapshotCount,
        long snapshotCatchUpEntries,
        long quotaBackendBytes,
        int maxRequestBytes,
        int maxTxnOps,
        Duration backendBatchInterval,
        int backendBatchLimit,
        boolean leaseCheckpoint,
        Duration leaseCheckpointInterval) {

    /** Keys ketcd knows, in etcd's spelling, with etcd's default values ("" = unset). */
    public static final Map<String, String> KEYS = keys();

    private static Map<String, String> keys() {
        Map<String, String> k = new LinkedHashMap<>();
        k.put("name", "default");
        k.put("data-dir", "");                       // etcd: "${name}.etcd"
        k.put("advertise-client-urls", "http://localhost:2379");
        k.put("listen-peer-urls", "http://localhost:2380");
        k.put("initial-advertise-peer-urls", "http://localhost:2380");
        k.put("initial-cluster", "");                // etcd: "${name}=${initial-advertise-peer-urls}"
        k.put("initial-cluster-state", "new");
        k.put("initial-cluster-token", "etcd-cluster");
        k.put("heartbeat-interval", "100");          // milliseconds
        k.put("election-timeout", "1000");           // milliseconds
        k.put("snapshot-count", "100000");
        // entries kept in memory after a snapshot for slow followers (etcd 3.6's flag of this name)
        k.put("experimental-snapshot-catchup-entries", "5000");
        k.put("quota-backend-bytes", "0");           // 0 = etcd's default of 2 GiB
        k.put(SharedFlags.MAX_REQUEST_BYTES, SharedFlags.DEFAULTS.get(SharedFlags.MAX_REQUEST_BYTES));
        k.put("max-txn-ops", "128");
        k.put("backend-batch-interval", "100");      // milliseconds
        k.put("backend-batch-limit", "10000");
        // lease checkpoints keep remaining TTLs across leader changes and restarts; etcd 3.4 has them off
        k.put("experimental-enable-lease-checkpoint", "true");
        k.put("experimental-lease-checkpoint-interval", "5m"); // a Go duration, as etcd's flag
        return Collections.unmodifiableMap(k);
    }

    /** etcd's default backend quota when {@code quota-backend-bytes} is 0. */
    public static final long DEFAULT_QUOTA_BYTES = 2L * 1024 * 1024 * 1024;

    public ServerConfig {
        advertiseClientUrls = List.copyOf(advertiseClientUrls);
        listenPeerUrls = List.copyOf(listenPeerUrls);
        initialAdvertisePeerUrls = List.copyOf(initialAdvertisePeerUrls);
    }

    /** The configuration with every key at its default, as a plain {@code etcd} would start. */
    public static ServerConfig defaults() {
        return from(Map.of(), Map.of());
    }

    /**
     * Reads the known keys from {@code properties}, letting {@code ETCD_*} variables of
     * {@code environment} override them; unknown keys are ignored (Karaf adds its own, such as
     * {@code service.pid}).
     *
     * @throws IllegalArgumentException naming the key, when a value cannot be parsed
     */
    public static ServerConfig from(Map<String, ?> properties, Map<String, String> environment) {
        Flags v = Flags.read(KEYS, properties, environment);
        String name = v.string("name");
        String dataDir = v.string("data-dir").isEmpty() ? name + ".etcd" : v.string("data-dir");
        List<URI> advertisePeer = v.urls("initial-advertise-peer-urls");
        String initialCluster = v.string("initial-cluster").isEmpty()
                ? defaultInitialCluster(name, advertisePeer) : v.string("initial-cluster");
        String state = v.string("initial-cluster-state");
        if (!state.equals("new") && !state.equals("existing")) {
            throw new IllegalArgumentException("invalid value \"" + state
                    + "\" for flag -initial-cluster-state: valid values are \"new\" or \"existing\"");
        }
        long quota = v.number("quota-backend-bytes");
        return new ServerConfig(
                name,
                Path.of(dataDir),
                v.urls("advertise-client-urls"),
                v.urls("listen-peer-urls"),
                advertisePeer,
                initialCluster,
                state,
                v.string("initial-cluster-token"),
                Duration.ofMillis(v.number("heartbeat-interval")),
                Duration.ofMillis(v.number("election-timeout")),
                v.number("snapshot-count"),
                v.number("experimental-snapshot-catchup-entries"),
                quota <= 0 ? DEFAULT_QUOTA_BYTES : quota,
                Math.toIntExact(v.number("max-request-bytes")),
                Math.toIntExact(v.number("max-txn-ops")),
                Duration.ofMillis(v.number("backend-batch-interval")),
                Math.toIntExact(v.number("backend-batch-limit")),
                v.bool("experimental-enable-lease-checkpoint"),
                goDuration(v.string("experimental-lease-checkpoint-interval"), "experimental-lease-checkpoint-interval"));
    }

    /**
     * etcd's request timeout ({@code ReqTimeout}): 5 s plus two election timeouts, for a request
     * to be proposed, committed and applied, or forwarded to the leader and answered.
     */
    public Duration requestTimeout() {
        return Duration.ofSeconds(5).plus(electionTimeout.multipliedBy(2));
    }

    /**
     * A duration as Go's {@code time.ParseDuration} reads a flag's value: a sequence of decimal
     * numbers with units {@code ns}, {@code us}, {@code ms}, {@code s}, {@code m}, {@code h}, such
     * as {@code 5m}, {@code 1.5s} or {@code 1m30s}; a bare {@code 0} is zero. No sign. (etcd 3.5's
     * {@code --experimental-lease-checkpoint-interval} is such a flag; etcd 3.4 has it in its
     * embed configuration only.)
     */
    static Duration goDuration(String text, String key) {
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = GO_DURATION_PART.matcher(text);
        long nanos = 0;
        int at = 0;
        while (at < text.length() && m.find(at) && m.start() == at) {
            double unit = switch (m.group(2)) {
                case "ns" -> 1;
                case "us", "\u00b5s" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            nanos += (long) (Double.parseDouble(m.group(1)) * unit);
            at = m.end();
        }
        if (text.isEmpty() || at != text.length()) {
            // Go's flag package reports any duration it cannot parse so
            throw new IllegalArgumentException("invalid value \"" + text + "\" for flag -" + key + ": parse error");
        }
        return Duration.ofNanos(nanos);
    }

    private static final Pattern GO_DURATION_PART =
            Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|\u00b5s|ms|s|m|h)");

    /** The environment variable etcd reads for a flag: {@code listen-client-urls} → {@code ETCD_LISTEN_CLIENT_URLS}. */
    public static String envName(String key) {
        return Flags.envName(key);
    }

    private static String defaultInitialCluster(String name, List<URI> peerUrls) {
        List<String> parts = new ArrayList<>();
        for (URI u : peerUrls) {
            parts.add(name + "=" + u);
        }
        return String.join(",", parts);
    }
}
