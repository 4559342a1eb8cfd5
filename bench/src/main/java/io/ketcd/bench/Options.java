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
        Tls tls) {

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
        PUT, RANGE;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
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
            usage: ketcd-bench [flags] put|range [key]
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
            """;

    static Options parse(String... args) {
        Workload workload = null;
        String rangeKey = null;
        List<Endpoint> endpoints = List.of(Endpoint.parse("127.0.0.1:2379"));
        int conns = 1;
        int clients = 1;
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

        List<String> rest = new ArrayList<>(Arrays.asList(args));
        while (!rest.isEmpty()) {
            String arg = rest.remove(0);
            if (!arg.startsWith("--")) {
                if (workload == null) {
                    workload = switch (arg) {
                        case "put" -> Workload.PUT;
                        case "range" -> Workload.RANGE;
                        default -> throw new IllegalArgumentException("unknown workload " + arg);
                    };
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
                default -> throw new IllegalArgumentException("unknown flag --" + name);
            }
        }
        if (workload == null) {
            throw new IllegalArgumentException("name a workload: put or range");
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
            warmup = total / 10;
        }
        return new Options(workload, endpoints, conns, clients, total, warmup, keySize, valSize, keySpaceSize,
                sequentialKeys, serializable, rangeKey == null ? "foo" : rangeKey, seed, timeout, duration, warmupDuration,
                serverPids, new Tls(caFile, certFile, keyFile));
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
