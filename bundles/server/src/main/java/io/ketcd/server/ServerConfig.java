package io.ketcd.server;

import io.ketcd.api.config.Flags;
import io.ketcd.api.config.LogLevel;
import io.ketcd.api.config.SharedFlags;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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
        Duration watchProgressNotifyInterval,
        boolean leaseCheckpoint,
        Duration leaseCheckpointInterval,
        Duration corruptCheckTime,
        String authToken,
        long authTokenTtlSeconds,
        int bcryptCost,
        AutoCompaction autoCompaction,
        LogLevel logLevel,
        Map<String, String> flags) {

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
        // how often a watcher that asked for progress notices gets one while idle
        k.put("experimental-watch-progress-notify-interval", "10m");
        // lease checkpoints keep remaining TTLs across leader changes and restarts; etcd 3.4 has them off
        k.put("experimental-enable-lease-checkpoint", "true");
        k.put("experimental-lease-checkpoint-interval", "5m"); // a Go duration, as etcd's flag
        // how often the leader compares every member's HashKV; 0 (etcd's default) turns the check off
        k.put("experimental-corrupt-check-time", "0s");
        // simple, or jwt,pub-key=<file>,priv-key=<file>,sign-method=<RS256|...>,ttl=<duration>
        k.put("auth-token", "simple");
        // simple tokens live this long after their last use (etcd: seconds)
        k.put("auth-token-ttl", "300");
        // cost of the bcrypt hashes of new passwords (etcd 3.5's flag; 3.4 always used 10)
        k.put("bcrypt-cost", "10");
        // periodic (retention a Go duration, or a whole number of hours) or revision (a number of revisions)
        k.put("auto-compaction-mode", "periodic");
        // how much history the leader's auto-compaction keeps; 0 turns it off
        k.put("auto-compaction-retention", "0");
        // the level of ketcd's loggers (io.ketcd): debug, info, warn, error, panic or fatal
        k.put(LogLevel.FLAG, LogLevel.DEFAULT);
        return Collections.unmodifiableMap(k);
    }

    /**
     * etcd's default backend quota when {@code quota-backend-bytes} is 0; a negative value turns
     * the quota off ({@link #quotaBackendBytes} is then {@link Long#MAX_VALUE}).
     */
    public static final long DEFAULT_QUOTA_BYTES = 2L * 1024 * 1024 * 1024;

    public ServerConfig {
        advertiseClientUrls = List.copyOf(advertiseClientUrls);
        listenPeerUrls = List.copyOf(listenPeerUrls);
        initialAdvertisePeerUrls = List.copyOf(initialAdvertisePeerUrls);
        Objects.requireNonNull(autoCompaction, "autoCompaction");
        Objects.requireNonNull(logLevel, "logLevel");
        flags = Map.copyOf(flags);
    }

    /**
     * The keys a running member follows without a restart ({@link KetcdServer#configure}); a change
     * of any other key of {@link #KEYS} restarts the member from its data directory.
     */
    public static final Set<String> LIVE_KEYS = Set.of("auto-compaction-mode", "auto-compaction-retention",
            "experimental-watch-progress-notify-interval", LogLevel.FLAG);

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
        checkTiming(Duration.ofMillis(v.number("heartbeat-interval")), Duration.ofMillis(v.number("election-timeout")));
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
                quota == 0 ? DEFAULT_QUOTA_BYTES : quota < 0 ? Long.MAX_VALUE : quota, // etcd: negative, no quota
                Math.toIntExact(v.number("max-request-bytes")),
                Math.toIntExact(v.number("max-txn-ops")),
                Duration.ofMillis(v.number("backend-batch-interval")),
                Math.toIntExact(v.number("backend-batch-limit")),
                progressInterval(v.duration("experimental-watch-progress-notify-interval")),
                v.bool("experimental-enable-lease-checkpoint"),
                v.duration("experimental-lease-checkpoint-interval"),
                v.duration("experimental-corrupt-check-time"),
                v.string("auth-token"),
                v.number("auth-token-ttl"),
                bcryptCost(v.number("bcrypt-cost")),
                AutoCompaction.parse(v.string("auto-compaction-mode"), v.string("auto-compaction-retention")),
                logLevel(v.string(LogLevel.FLAG)),
                v.values());
    }

    /** The keys of {@link #KEYS} whose values differ between this configuration and {@code next}, in key order. */
    public Set<String> changedKeys(ServerConfig next) {
        Set<String> changed = new LinkedHashSet<>();
        for (String key : KEYS.keySet()) {
            if (!Objects.equals(flags.get(key), next.flags.get(key))) {
                changed.add(key);
            }
        }
        return changed;
    }

    /**
     * etcd's rule for the two raft timings, checked when the flags are read (etcd's "error
     * verifying flags") and again when a member opens.
     *
     * @throws IllegalArgumentException with etcd's message when the election timeout is less than five heartbeats
     */
    public static void checkTiming(Duration heartbeatInterval, Duration electionTimeout) {
        long heartbeat = heartbeatInterval.toMillis();
        long election = electionTimeout.toMillis();
        if (heartbeat <= 0 || 5 * heartbeat > election) {
            throw new IllegalArgumentException("--election-timeout[" + election
                    + "ms] should be at least as 5 times as --heartbeat-interval[" + heartbeat + "ms]");
        }
    }

    private static LogLevel logLevel(String flag) {
        try {
            return LogLevel.parse(flag);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid value \"" + flag + "\" for flag -" + LogLevel.FLAG + ": " + e.getMessage());
        }
    }

    /**
     * etcd's request timeout ({@code ReqTimeout}): 5 s plus two election timeouts, for a request
     * to be proposed, committed and applied, or forwarded to the leader and answered.
     */
    public Duration requestTimeout() {
        return Duration.ofSeconds(5).plus(electionTimeout.multipliedBy(2));
    }

    /** etcd's bounds for bcrypt-cost: golang.org/x/crypto/bcrypt's MinCost 4 to MaxCost 31. */
    private static int bcryptCost(long cost) {
        if (cost < 4 || cost > 31) {
            throw new IllegalArgumentException("invalid value \"" + cost + "\" for flag -bcrypt-cost: "
                    + "must be between 4 and 31");
        }
        return (int) cost;
    }

    /** etcd's rule: 0 or less keeps the default of 10 minutes, and less than 100 ms is raised to 100 ms. */
    private static Duration progressInterval(Duration configured) {
        if (configured.isNegative() || configured.isZero()) {
            return Duration.ofMinutes(10);
        }
        return configured.compareTo(MIN_WATCH_PROGRESS_INTERVAL) < 0 ? MIN_WATCH_PROGRESS_INTERVAL : configured;
    }

    /** etcd's {@code minWatchProgressInterval}. */
    public static final Duration MIN_WATCH_PROGRESS_INTERVAL = Duration.ofMillis(100);

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
