package io.ketcd.itests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One ketcd node: the distribution's tar.gz unpacked into a directory of its own and run as a
 * separate process ({@code bin/karaf server}), configured only through the environment, as an
 * operator would run several nodes from copies of one distribution:
 * {@code ETCD_*} for ketcd's URLs and {@code KETCD_SSH_PORT}, {@code KETCD_RMI_*} for Karaf's.
 *
 * <p>The ports are chosen once, so the node comes back on the same ones after {@link #killHard()}
 * and {@link #start()}. {@link #close()} stops the process tree and deletes the directory.
 */
public final class KetcdNode implements AutoCloseable {

    /** Bound for a boot, generous for a loaded 2-core machine (a boot takes 10 to 40 s there). */
    public static final Duration BOOT_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final Path home;
    private final int clientPort;
    private final int httpPort;
    private final int peerPort;
    private final int sshPort;
    private final int rmiRegistryPort;
    private final int rmiServerPort;
    private Process launcher;

    private KetcdNode(Path home, int[] ports) {
        this.home = home;
        this.clientPort = ports[0];
        this.httpPort = ports[1];
        this.peerPort = ports[2];
        this.sshPort = ports[3];
        this.rmiRegistryPort = ports[4];
        this.rmiServerPort = ports[5];
    }

    /** Unpacks the distribution under test into a new directory below {@code ketcd.itest.dir}. */
    public static KetcdNode unpack() {
        Path archive = Paths.get(requiredProperty("ketcd.assembly"));
        if (!Files.isRegularFile(archive)) {
            throw new AssertionError("the distribution archive is missing: " + archive
                    + " (build karaf-assembly first, e.g. mvn install from the repository root)");
        }
        try {
            Path parent = Files.createDirectories(Paths.get(requiredProperty("ketcd.itest.dir")));
            Path home = Files.createTempDirectory(parent, "node-");
            Exec.run(List.of("tar", "-xzf", archive.toString(), "-C", home.toString(), "--strip-components=1"),
                    System.getenv(), home, null, Duration.ofMinutes(2)).assertSuccess();
            return new KetcdNode(home, FreePorts.allocate(6));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts {@code bin/karaf server} and waits until the gRPC port accepts connections and Karaf
     * has finished its boot (every boot feature installed, so nothing of Karaf's own start-up is
     * still being written when a test kills the node).
     */
    public KetcdNode start() {
        if (launcher != null && launcher.isAlive()) {
            throw new IllegalStateException("already running");
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("console.log").toFile()));
            pb.environment().clear();
            pb.environment().putAll(environment());
            launcher = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Await.until("ketcd's gRPC port " + clientPort, BOOT_TIMEOUT,
                () -> {
                    if (!launcher.isAlive()) {
                        throw new AssertionError("bin/karaf exited with " + launcher.exitValue() + "\n" + diagnostics());
                    }
                    return Await.listening(clientPort);
                },
                this::diagnostics);
        awaitSsh();
        Await.until("Karaf's BootFinished service", BOOT_TIMEOUT,
                () -> client("service:list org.apache.karaf.features.BootFinished").stdout().contains("BootFinished"),
                this::diagnostics);
        return this;
    }

    /** Waits until Karaf's ssh port accepts connections (it opens independently of ketcd's). */
    public void awaitSsh() {
        awaitListening("Karaf's ssh port", sshPort);
    }

    /** Waits until something of this node accepts connections on {@code port}. */
    public void awaitListening(String what, int port) {
        Await.until(what + " " + port, BOOT_TIMEOUT, () -> Await.listening(port), this::diagnostics);
    }

    /**
     * kill -9 of the node: SIGKILL to the Karaf JVM and everything below it, then to the
     * {@code bin/karaf} script that started it, and waits until they are gone.
     */
    public void killHard() {
        if (launcher == null) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>(launcher.descendants().toList());
        tree.forEach(ProcessHandle::destroyForcibly);
        launcher.destroyForcibly();
        awaitExit(tree);
        launcher = null;
    }

    /** The Karaf JVM (the java child of {@code bin/karaf}), while the node runs. */
    public Optional<ProcessHandle> karafJvm() {
        if (launcher == null) {
            return Optional.empty();
        }
        return launcher.descendants()
                .filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .findFirst();
    }

    /** Stops the node as a service manager would (SIGTERM to the JVM), SIGKILL after a bound. */
    public void stop() {
        if (launcher == null) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>(launcher.descendants().toList());
        karafJvm().ifPresent(ProcessHandle::destroy);
        try {
            if (!launcher.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                killHard();
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killHard();
            return;
        }
        tree.forEach(ProcessHandle::destroyForcibly);
        awaitExit(tree);
        launcher = null;
    }

    /** Stops the node and deletes its directory (kept with -Dketcd.itest.keep=true, for a post-mortem). */
    @Override
    public void close() {
        try {
            stop();
        } finally {
            if (!Boolean.getBoolean("ketcd.itest.keep")) {
                deleteTree(home);
            }
        }
    }

    private static void awaitExit(List<ProcessHandle> processes) {
        for (ProcessHandle h : processes) {
            try {
                h.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new AssertionError("process " + h.pid() + " did not exit after SIGKILL", e);
            }
        }
    }

    /** The variables the node runs with: this JVM's, less any etcd/Karaf settings, plus the ports. */
    public Map<String, String> environment() {
        Map<String, String> env = baseEnvironment();
        String client = "http://127.0.0.1:" + clientPort;
        String peer = "http://127.0.0.1:" + peerPort;
        env.put("ETCD_NAME", "itest");
        env.put("ETCD_LISTEN_CLIENT_URLS", client);
        env.put("ETCD_ADVERTISE_CLIENT_URLS", client);
        env.put("ETCD_LISTEN_CLIENT_HTTP_URLS", "http://127.0.0.1:" + httpPort);
        env.put("ETCD_LISTEN_PEER_URLS", peer);
        env.put("ETCD_INITIAL_ADVERTISE_PEER_URLS", peer);
        env.put("KETCD_SSH_PORT", Integer.toString(sshPort));
        env.put("KETCD_RMI_REGISTRY_PORT", Integer.toString(rmiRegistryPort));
        env.put("KETCD_RMI_SERVER_PORT", Integer.toString(rmiServerPort));
        return env;
    }

    /**
     * This JVM's environment without variables that would change what is under test (etcd's,
     * etcdctl's, Karaf's and ketcd's own), with JAVA_HOME set to this JVM's Java.
     */
    public static Map<String, String> baseEnvironment() {
        Map<String, String> env = new HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (!k.startsWith("ETCD") && !k.startsWith("KARAF") && !k.startsWith("KETCD") && !k.startsWith("JAVA_OPTS")
                    && !k.startsWith("EXTRA_JAVA_OPTS")) {
                env.put(k, v);
            }
        });
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return env;
    }

    /** Runs etcdctl 3.4 against this node's client URL. */
    public Exec.Result etcdctl(byte[] stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(System.getProperty("ketcd.etcdctl", "/usr/bin/etcdctl"));
        command.add("--endpoints=127.0.0.1:" + clientPort);
        command.add("--dial-timeout=10s");
        command.add("--command-timeout=30s");
        command.addAll(List.of(args));
        Map<String, String> env = baseEnvironment();
        env.put("ETCDCTL_API", "3");
        return Exec.run(command, env, home, stdin, Duration.ofSeconds(90));
    }

    /**
     * Runs Karaf shell commands through {@code bin/client} in batch mode (commands on stdin, one
     * per line). The client finds the node's ssh port through KETCD_SSH_PORT, as a user would.
     */
    public Exec.Result client(String... commands) {
        Map<String, String> env = baseEnvironment();
        env.put("KETCD_SSH_PORT", Integer.toString(sshPort));
        byte[] stdin = (String.join("\n", commands) + "\n").getBytes(StandardCharsets.UTF_8);
        return Exec.run(List.of(home.resolve("bin/client").toString(), "-b", "-u", "karaf", "-p", "karaf"),
                env, home, stdin, Duration.ofSeconds(90));
    }

    public String clientUrl() {
        return "http://127.0.0.1:" + clientPort;
    }

    public int clientPort() {
        return clientPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public int sshPort() {
        return sshPort;
    }

    public int rmiRegistryPort() {
        return rmiRegistryPort;
    }

    public int rmiServerPort() {
        return rmiServerPort;
    }

    public Path home() {
        return home;
    }

    /** The end of the node's console and log, and the Karaf JVM's threads, for failure messages. */
    public String diagnostics() {
        return "--- " + home.resolve("console.log") + " (tail)\n" + tail(home.resolve("console.log"), 40)
                + "--- data/log/karaf.log (tail)\n" + tail(home.resolve("data/log/karaf.log"), 80)
                + karafJvm().map(this::threadDump).orElse("--- no Karaf JVM running\n");
    }

    private String threadDump(ProcessHandle jvm) {
        Path jcmd = Paths.get(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            return "--- no thread dump (no " + jcmd + ")\n";
        }
        Exec.Result r = Exec.run(List.of(jcmd.toString(), Long.toString(jvm.pid()), "Thread.print"),
                baseEnvironment(), home, null, Duration.ofSeconds(60));
        return "--- threads of the Karaf JVM " + jvm.pid() + "\n" + r.stdout() + r.stderr();
    }

    private static String tail(Path file, int lines) {
        if (!Files.exists(file)) {
            return "(absent)\n";
        }
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
        } catch (IOException | UncheckedIOException e) {
            return "(unreadable: " + e + ")\n";
        }
    }

    private static String requiredProperty(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new AssertionError("system property " + name + " is not set (the itests run under Failsafe)");
        }
        return value;
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + root, e);
        }
    }
}
