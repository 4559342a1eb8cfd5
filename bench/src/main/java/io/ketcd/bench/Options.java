package io.ketcd.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The command line of {@link Benchmark}, with etcd {@code tools/benchmark}'s flag names and
 * defaults where it has them.
 *
 * <pre>
 * ketcd-bench [global flags] put   [--total N] [--key-size B] [--val-size B] [--key-space-size K] [--sequential-keys]
 * ketcd-bench [global flags] range [key] [--total N] [--consistency l|s] [--val-size B]
 * ketcd-bench [global flags] watch-latency [--streams S] [--watchers-per-stream P] [--put-total N] [--put-rate R]
 * ketcd-bench [global flags] watch-fanout [--streams S] [--watchers-per-stream P] [--clients C] [--total N]
 * ketcd-bench [global flags] watch-memory [--streams S] [--watchers-per-stream P] [--rss-samples N]
 * ketcd-bench [global flags] lease-keepalive [--clients K] [--leases L] [--lease-ttl S] [--total N]
 * ketcd-bench [global flags] lock [--clients K] [--locks L] [--total N]
 * global: --endpoints h:p[,h:p] --conns N --clients M --warmup W --timeout S --seed X
 *         --cacert FILE --cert FILE --key FILE
 * </pre>
 *
 * Flags may come before or after the workload name, as {@code --flag value} or {@code --flag=value}.
 *
 * @param warmup requests sent (with the same concurrency) before the measured phase and not counted
 * @param rangeKey the key the {@code range} workload reads; it is written once before the warmup
 * @param timeout deadline of each request, including the wait for the connection to be ready
 * @param duration if not zero, the measured phase sends no request after this time, even short of {@code total}
 * @param warmupDuration the same bound for the warmup phase
 * @param serverPids the server processes (several for a cluster) whose summed CPU time in the measured phase is
 *     reported; empty for none
 * @param streaming the watch and lease workloads' own settings
 * @param tls the client's TLS files ({@code --cacert}, {@code --cert}, {@code --key}); which endpoints use TLS:
 *     {@link #usesTls}
 */
record Options(
        Workload workload,
        List<Endpoint> endpoints,
        int conns,
        int clients,
        int total,
        int warmup,
        int keySize,
        int valSize,
        int keySpaceSize,
        boolean sequentialKeys,
        boolean serializable,
        String rangeKey,
        long seed,
        Duration timeout,
        Duration duration,
        Duration warmupDuration,
        List<Long> serverPids,
        Streaming streaming,
        Tls tls,
        String user) {

    /**
     * The settings of the watch and lease workloads; etcd benchmark's names where it has them ({@code watch-latency}'s
     * {@code --streams}, {@code --watchers-per-stream}, {@code --put-total}, {@code --put-rate}).
     *
     * @param streams watch streams, stream {@code i} on connection {@code i mod conns}
     * @param watchersPerStream watchers created on each stream: {@code streams * watchersPerStream} in all
     * @param putTotal {@code watch-latency}: puts in the measured phase (the rate and {@code --duration} also bound it)
     * @param putRate {@code watch-latency}: puts sent per second, on schedule whatever the answers (open loop)
     * @param leases {@code lease-keepalive}: leases granted; keep-alive client {@code i} refreshes lease {@code i mod
     *     leases}
     * @param leaseTtlSeconds {@code lease-keepalive}: the TTL asked for in each grant
     * @param locks {@code lock}: lock names; client {@code i} takes lock {@code i mod locks}
     * @param rssSamples {@code watch-memory}: resident-size readings, {@code rssInterval} apart, whose minimum is taken
     * @param rssInterval {@code watch-memory}: time between two readings
     */
    record Streaming(int streams, int watchersPerStream, int putTotal, int putRate, int leases, long leaseTtlSeconds,
            int locks, int rssSamples, Duration rssInterval) {
        long watchers() {
            return (long) streams * watchersPerStream;
        }
    }

    /**
     * Whether the connections to {@code e} use TLS, as etcd's benchmark tool (clientv3 3.4) decides: an
     * {@code https://} endpoint always (verified against the JDK's trust store when no {@code --cacert} is given), an
     * {@code http://} endpoint never, a {@code host:port} endpoint when any of {@code --cacert}, {@code --cert},
     * {@code --key} is given.
     */
    boolean usesTls(Endpoint e) {
        return switch (e.scheme()) {
            case HTTPS -> true;
            case HTTP -> false;
            case NONE -> tls.configured();
        };
    }

    /**
     * etcd benchmark's {@code --cacert} (the CA bundle that verifies the server), {@code --cert} and {@code --key}
     * (the client's certificate, for servers with {@code --client-cert-auth}); each null when not given.
     */
    record Tls(Path caFile, Path certFile, Path keyFile) {
        boolean configured() {
            return caFile != null || certFile != null || keyFile != null;
        }
    }

    enum Workload {
        PUT, RANGE, WATCH_LATENCY, WATCH_FANOUT, WATCH_MEMORY, LEASE_KEEPALIVE, LOCK;

        /** The name on the command line and in the report: {@code put}, {@code watch-latency}, ... */
        String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        static Workload of(String label) {
            for (Workload w : values()) {
                if (w.label().equals(label)) {
                    return w;
                }
            }
            throw new IllegalArgumentException("unknown workload " + label);
        }

        /** Whether the workload's puts carry a phase and sequence number in the value (see {@link WatchCalls#value}). */
        boolean stampsValues() {
            return this == WATCH_LATENCY || this == WATCH_FANOUT;
        }
    }

    /** The scheme an endpoint was given with; {@link #NONE} for a bare {@code host:port}. */
    enum Scheme {
        NONE, HTTP, HTTPS
    }

    /**
     * A gRPC endpoint as etcd's clients take it: {@code host:port}, {@code http://host:port} or
     * {@code https://host:port}.
     */
    record Endpoint(String host, int port, Scheme scheme) {
        Endpoint(String host, int port) {
            this(host, port, Scheme.NONE);
        }

        static Endpoint parse(String text) {
            String s = text.trim();
            Scheme scheme = Scheme.NONE;
            int sep = s.indexOf("://");
            if (sep >= 0) {
                scheme = switch (s.substring(0, sep)) {
                    case "http" -> Scheme.HTTP;
                    case "https" -> Scheme.HTTPS;
                    default -> throw new IllegalArgumentException("endpoint scheme must be http or https, got " + text);
                };
                s = s.substring(sep + 3);
            }
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new IllegalArgumentException("endpoint must be host:port, got " + text);
            }
            return new Endpoint(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)), scheme);
        }

        @Override
        public String toString() {
            return (scheme == Scheme.NONE ? "" : scheme.name().toLowerCase(java.util.Locale.ROOT) + "://") + host + ":"
                    + port;
        }
    }

    static final String USAGE = """
            usage: ketcd-bench [flags] put|range [key]|watch-latency|watch-fanout|watch-memory|lease-keepalive|lock
              --user name:password   authenticate each connection first and send its token with every call
                                     (etcd benchmark's --user)
              --endpoints h:p[,h:p]  gRPC endpoints (default 127.0.0.1:2379); connections go round-robin over them;
                                     https://h:p is TLS, http://h:p plaintext, h:p TLS when --cacert/--cert/--key is given
              --cacert FILE          verify the servers' certificates with this CA bundle (PEM)
              --cert FILE            identify the client with this certificate (PEM), for --client-cert-auth servers
              --key FILE             the private key of --cert (PEM, PKCS#8)
              --conns N              gRPC connections (default 1)
              --clients M            concurrent clients, each with one request in flight, spread over the connections (default 1)
              --total T              requests in the measured phase (default 10000)
              --warmup W             requests sent first and not measured (default total/10)
              --duration SECONDS     send no measured request after this time, even short of --total (default 0: no bound)
              --warmup-duration S    the same bound for the warmup (default 0: no bound)
              --timeout SECONDS      deadline of each request (default 30)
              --seed X               seed of the key choice and of the value bytes (default 1)
              --server-pid PID[,PID] also report the CPU time these (local, Linux) processes use in the measured phase
            put:
              --key-size B           key length in bytes (default 8)
              --val-size B           value length in bytes (default 8)
              --key-space-size K     number of distinct keys (default 1)
              --sequential-keys      key i mod K instead of a random key
            range [key]              reads one key (default "foo"), written once with --val-size bytes first
              --consistency l|s      linearizable (default) or serializable
            watch-latency            watchers of one key; one writer (its own connection) puts at a fixed rate, open loop;
                                     latency from sending a put to each watcher receiving its event
              --streams S            watch streams over the --conns connections (default 10)
              --watchers-per-stream P  watchers per stream (default 10)
              --put-total N          puts in the measured phase (default 1000; --warmup defaults to a tenth)
              --put-rate R           puts per second (default 100)
            watch-fanout             watchers of one prefix while --clients closed-loop writers (default 16) put --total
                                     keys under it (--key-space-size, --sequential-keys); events delivered per second
              --streams S            (default 100)
              --watchers-per-stream P  (default 10)
            watch-memory             streams, then watchers on distinct keys; the servers' (--server-pid) resident memory
                                     per stream and per watcher, from VmRSS in /proc/PID/status; --timeout bounds each wait
              --streams S            (default 1000)
              --watchers-per-stream P  (default 100)
              --rss-samples N        readings a second apart at each step, the minimum taken (default 5)
              --rss-interval S       seconds between readings (default 1)
            lease-keepalive          --clients keep-alive streams, each one request in flight, for --total requests
              --leases L             leases granted first (default: one per client)
              --lease-ttl S          TTL of each lease in seconds (default 100)
            lock                     --clients lock users, each with a lease of its own, each request a Lock/Lock then
                                     a Lock/Unlock of the key it got (etcd's v3lock service), for --total requests
              --locks L              lock names; client i takes lock i mod L (default 1: all contend for one)
            """;

    static Options parse(String... args) {
        Workload workload = null;
        String rangeKey = null;
        List<Endpoint> endpoints = List.of(Endpoint.parse("127.0.0.1:2379"));
        int conns = 1;
        int clients = 0;
        int total = 10_000;
        int warmup = -1;
        int keySize = 8;
        int valSize = 8;
        int keySpaceSize = 1;
        boolean sequentialKeys = false;
        boolean serializable = false;
        long seed = 1;
        Duration timeout = Duration.ofSeconds(30);
        Duration duration = Duration.ZERO;
        Duration warmupDuration = Duration.ZERO;
        List<Long> serverPids = List.of();
        Path caFile = null;
        Path certFile = null;
        Path keyFile = null;
        String user = null;
        int streams = 0;
        int watchersPerStream = 0;
        int putTotal = 1_000;
        int putRate = 100;
        int leases = 0;
        long leaseTtl = 100;
        int locks = 1;
        int rssSamples = 5;
        Duration rssInterval = Duration.ofSeconds(1);

        List<String> rest = new ArrayList<>(Arrays.asList(args));
        while (!rest.isEmpty()) {
            String arg = rest.remove(0);
            if (!arg.startsWith("--")) {
                if (workload == null) {
                    workload = Workload.of(arg);
                } else if (workload == Workload.RANGE && rangeKey == null) {
                    rangeKey = arg;
                } else {
                    throw new IllegalArgumentException("unexpected argument " + arg);
                }
                continue;
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (name.equals("sequential-keys")) {
                sequentialKeys = value == null || Boolean.parseBoolean(value);
                continue;
            }
            if (value == null) {
                if (rest.isEmpty()) {
                    throw new IllegalArgumentException("--" + name + " needs a value");
                }
                value = rest.remove(0);
            }
            switch (name) {
                case "endpoints" -> endpoints = Arrays.stream(value.split(",")).map(Endpoint::parse).toList();
                case "conns" -> conns = positive(name, value);
                case "clients" -> clients = positive(name, value);
                case "total" -> total = positive(name, value);
                case "warmup" -> warmup = Integer.parseInt(value);
                case "key-size" -> keySize = positive(name, value);
                case "val-size" -> valSize = Integer.parseInt(value);
                case "key-space-size" -> keySpaceSize = positive(name, value);
                case "consistency" -> serializable = switch (value) {
                    case "l" -> false;
                    case "s" -> true;
                    default -> throw new IllegalArgumentException("--consistency is l or s, got " + value);
                };
                case "seed" -> seed = Long.parseLong(value);
                case "timeout" -> timeout = seconds(name, value);
                case "duration" -> duration = seconds(name, value);
                case "warmup-duration" -> warmupDuration = seconds(name, value);
                case "server-pid" -> serverPids = Arrays.stream(value.split(",")).map(v -> (long) positive("server-pid", v)).toList();
                case "cacert" -> caFile = readableFile(name, value);
                case "cert" -> certFile = readableFile(name, value);
                case "key" -> keyFile = readableFile(name, value);
                case "user" -> {
                    if (!value.contains(":")) {
                        throw new IllegalArgumentException("--user is name:password, got " + value);
                    }
                    user = value;
                }
                case "streams" -> streams = positive(name, value);
                case "watchers-per-stream" -> watchersPerStream = positive(name, value);
                case "put-total" -> putTotal = positive(name, value);
                case "put-rate" -> putRate = positive(name, value);
                case "leases" -> leases = positive(name, value);
                case "lease-ttl" -> leaseTtl = positive(name, value);
                case "locks" -> locks = positive(name, value);
                case "rss-samples" -> rssSamples = positive(name, value);
                case "rss-interval" -> rssInterval = seconds(name, value);
                default -> throw new IllegalArgumentException("unknown flag --" + name);
            }
        }
        if (workload == null) {
            throw new IllegalArgumentException(
                    "name a workload: put, range, watch-latency, watch-fanout, watch-memory, lease-keepalive or lock");
        }
        // the workloads' own defaults: etcd benchmark's for watch-latency, the comparison's sizes for the others
        switch (workload) {
            case WATCH_LATENCY -> {
                streams = streams == 0 ? 10 : streams;
                watchersPerStream = watchersPerStream == 0 ? 10 : watchersPerStream;
            }
            case WATCH_FANOUT -> {
                streams = streams == 0 ? 100 : streams;
                watchersPerStream = watchersPerStream == 0 ? 10 : watchersPerStream;
                clients = clients == 0 ? 16 : clients;
            }
            case WATCH_MEMORY -> {
                streams = streams == 0 ? 1_000 : streams;
                watchersPerStream = watchersPerStream == 0 ? 100 : watchersPerStream;
            }
            default -> {
            }
        }
        clients = clients == 0 ? 1 : clients;
        leases = leases == 0 ? clients : leases;
        if ((long) streams * watchersPerStream > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--streams times --watchers-per-stream is too large");
        }
        if (workload.stampsValues() && valSize < WatchCalls.STAMP_BYTES) {
            throw new IllegalArgumentException("--val-size must be at least " + WatchCalls.STAMP_BYTES + " for "
                    + workload.label() + ": the value carries the put's sequence number");
        }
        long lastWatchKey = workload == Workload.WATCH_MEMORY ? (long) streams * watchersPerStream - 1 : keySpaceSize - 1L;
        if (workload.name().startsWith("WATCH") && 1 + KvCalls.varintLength(lastWatchKey) > keySize) {
            throw new IllegalArgumentException("--key-size " + keySize + " is too small for " + workload.label()
                    + "'s keys (a tag byte and the varint of key number " + lastWatchKey + ")");
        }
        if (valSize < 0) {
            throw new IllegalArgumentException("--val-size must not be negative");
        }
        if (KvCalls.varintLength(keySpaceSize - 1L) > keySize) {
            throw new IllegalArgumentException("--key-size " + keySize + " is too small for --key-space-size " + keySpaceSize);
        }
        if ((certFile == null) != (keyFile == null)) {
            // etcd's transport.TLSInfo: "KeyFile and CertFile must both be present"
            throw new IllegalArgumentException("--cert and --key must both be given, or neither");
        }
        if (warmup < 0) {
            warmup = (workload == Workload.WATCH_LATENCY ? putTotal : total) / 10;
        }
        return new Options(workload, endpoints, conns, clients, total, warmup, keySize, valSize, keySpaceSize,
                sequentialKeys, serializable, rangeKey == null ? "foo" : rangeKey, seed, timeout, duration, warmupDuration,
                serverPids, new Streaming(streams, watchersPerStream, putTotal, putRate, leases, leaseTtl, locks, rssSamples,
                        rssInterval), new Tls(caFile, certFile, keyFile), user);
    }

    private static Path readableFile(String name, String value) {
        Path file = Path.of(value);
        if (!Files.isReadable(file) || Files.isDirectory(file)) {
            throw new IllegalArgumentException("--" + name + ": cannot read file " + value);
        }
        return file;
    }

    private static Duration seconds(String name, String value) {
        double s = Double.parseDouble(value);
        if (s < 0) {
            throw new IllegalArgumentException("--" + name + " must not be negative, got " + value);
        }
        return Duration.ofNanos(Math.round(s * 1e9));
    }

    private static int positive(String name, String value) {
        int n = Integer.parseInt(value);
        if (n <= 0) {
            throw new IllegalArgumentException("--" + name + " must be positive, got " + value);
        }
        return n;
    }
}
