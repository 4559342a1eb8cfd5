package io.ketcd.itests;

import io.ketcd.testing.FreePorts;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.Assert;

/**
 * One ketcd node: the distribution's tar.gz unpacked into a directory of its own and run as a
 * separate process ({@code bin/karaf server}), configured through the environment, as an
 * operator would run several nodes from copies of one distribution:
 * {@code ETCD_*} for ketcd's URLs and {@code KETCD_SSH_PORT}, {@code KETCD_RMI_*} for Karaf's.
 * {@link #unpackConfiguredByFile()} writes ketcd's settings to {@code etc/io.ketcd.server.cfg}
 * instead, for tests that change them at run time ({@code config:edit}): an {@code ETCD_*}
 * variable would override the file and pin the setting.
 *
 * <p>The ports are chosen once, so the node comes back on the same ones after {@link #killHard()}
 * and {@link #start()}. {@link #close()} stops the process tree and deletes the directory.
 * {@link #unpack()} gives a single-member cluster of its own; {@link #unpackCluster(int, Map)}
 * gives the members of one cluster, each knowing all peers through {@code ETCD_INITIAL_CLUSTER}.
 */
public final class KetcdNode implements AutoCloseable {

    /** Bound for a boot, generous for a loaded 2-core machine (a boot takes 10 to 40 s there). */
    public static final Duration BOOT_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final Path home;
    private final String name;
    /** ETCD_* settings beyond this node's own URLs (a cluster's membership, timeouts); empty for a single node. */
    private final Map<String, String> settings;
    /** Whether this node's own settings (name, URLs) are in etc/io.ketcd.server.cfg rather than ETCD_* variables. */
    private final boolean configuredByFile;
    private final int clientPort;
    private final int httpPort;
    private final int peerPort;
    private final int sshPort;
    private final int rmiRegistryPort;
    private final int rmiServerPort;
    private volatile Process launcher; // started and stopped from a test thread, possibly not the one that reads it

    /** Ports a node listens on: client, HTTP, peer, ssh, RMI registry, RMI server. */
    private static final int PORTS_PER_NODE = 6;

    private KetcdNode(Path home, String name, Map<String, String> settings, int[] ports, int offset,
                      boolean configuredByFile) {
        this.home = home;
        this.name = name;
        this.settings = Map.copyOf(settings);
        this.configuredByFile = configuredByFile;
        this.clientPort = ports[offset];
        this.httpPort = ports[offset + 1];
        this.peerPort = ports[offset + 2];
        this.sshPort = ports[offset + 3];
        this.rmiRegistryPort = ports[offset + 4];
        this.rmiServerPort = ports[offset + 5];
    }

    /** Unpacks the distribution under test into a new directory below {@code ketcd.itest.dir}. */
    public static KetcdNode unpack() {
        return new KetcdNode(unpackHome(), "itest", Map.of(), FreePorts.allocate(PORTS_PER_NODE), 0, false);
    }

    /**
     * As {@link #unpack()}, but the node's name and URLs are written to {@code
     * etc/io.ketcd.server.cfg} (replacing the distribution's values there) instead of being set
     * as {@code ETCD_*} variables, so that a configuration change through Karaf's shell or
     * ConfigurationAdmin applies to them. Karaf's own ports stay in the environment.
     */
    public static KetcdNode unpackConfiguredByFile() {
        Path home = unpackHome();
        try {
            KetcdNode node = new KetcdNode(home, "itest", Map.of(), FreePorts.allocate(PORTS_PER_NODE), 0, true);
            node.writeConfigFile(node.ownSettings());
            return node;
        } catch (RuntimeException | Error e) {
            deleteTree(home);
            throw e;
        }
    }

    /**
     * Unpacks {@code size} copies of the distribution as the members {@code m1..m<size>} of one new
     * cluster: all ports are chosen together before any member starts, each member gets
     * {@code ETCD_INITIAL_CLUSTER} with every member's peer URL, {@code ETCD_INITIAL_CLUSTER_STATE=new}
     * and a token of its own cluster (so members of two test clusters never join each other), plus
     * {@code settings} (e.g. {@code ETCD_ELECTION_TIMEOUT}). Nothing is started.
     */
    public static List<KetcdNode> unpackCluster(int size, Map<String, String> settings) {
        int[] ports = FreePorts.allocate(PORTS_PER_NODE * size);
        List<String> initialCluster = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            initialCluster.add(memberName(i) + "=" + peerUrl(ports[PORTS_PER_NODE * i + 2]));
        }
        List<Path> homes = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                homes.add(unpackHome());
            }
        } catch (RuntimeException | Error e) {
            homes.forEach(KetcdNode::deleteTree);
            throw e;
        }
        Map<String, String> env = new HashMap<>(settings);
        env.put("ETCD_INITIAL_CLUSTER", String.join(",", initialCluster));
        env.put("ETCD_INITIAL_CLUSTER_STATE", "new");
        // the first member's directory name is unique below ketcd.itest.dir, so the token is too
        env.put("ETCD_INITIAL_CLUSTER_TOKEN", "itest-" + homes.get(0).getFileName());
        List<KetcdNode> members = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            members.add(new KetcdNode(homes.get(i), memberName(i), env, ports, PORTS_PER_NODE * i, false));
        }
        return List.copyOf(members);
    }

    private static String memberName(int index) {
        return "m" + (index + 1);
    }

    private static String peerUrl(int port) {
        return "http://127.0.0.1:" + port;
    }

    private static Path unpackHome() {
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
            return home;
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

    /**
     * The variables the node runs with: this JVM's, less any etcd/Karaf settings, plus the ports,
     * the name (unless {@linkplain #unpackConfiguredByFile() in the configuration file}) and, for a
     * cluster member, the cluster's settings.
     */
    public Map<String, String> environment() {
        Map<String, String> env = baseEnvironment();
        env.putAll(settings);
        if (!configuredByFile) {
            ownSettings().forEach((flag, value) -> env.put("ETCD_" + flag.toUpperCase(Locale.ROOT).replace('-', '_'), value));
        }
        env.put("KETCD_SSH_PORT", Integer.toString(sshPort));
        env.put("KETCD_RMI_REGISTRY_PORT", Integer.toString(rmiRegistryPort));
        env.put("KETCD_RMI_SERVER_PORT", Integer.toString(rmiServerPort));
        return env;
    }

    /** This node's name and URLs, by etcd flag name. */
    private Map<String, String> ownSettings() {
        Map<String, String> own = new LinkedHashMap<>();
        own.put("name", name);
        own.put("listen-client-urls", clientUrl());
        own.put("advertise-client-urls", clientUrl());
        own.put("listen-client-http-urls", "http://127.0.0.1:" + httpPort);
        own.put("listen-peer-urls", peerUrl(peerPort));
        own.put("initial-advertise-peer-urls", peerUrl(peerPort));
        return own;
    }

    /**
     * Sets {@code values} in {@code etc/io.ketcd.server.cfg}: a line {@code key = ...} of the
     * distribution's file is replaced, a key it lacks is appended, every other line is kept.
     */
    private void writeConfigFile(Map<String, String> values) {
        Path cfg = home.resolve("etc/io.ketcd.server.cfg");
        try {
            List<String> lines = new ArrayList<>();
            Map<String, String> pending = new LinkedHashMap<>(values);
            for (String line : Files.readAllLines(cfg, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                String key = eq < 0 ? "" : line.substring(0, eq).trim();
                if (!line.trim().startsWith("#") && pending.containsKey(key)) {
                    lines.add(key + " = " + pending.remove(key));
                } else {
                    lines.add(line);
                }
            }
            pending.forEach((key, value) -> lines.add(key + " = " + value));
            Files.write(cfg, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        return etcdctl(List.of(this), stdin, args);
    }

    /** Runs etcdctl 3.4 with {@code --endpoints} listing the client URLs of {@code nodes}, in order. */
    public static Exec.Result etcdctl(List<KetcdNode> nodes, byte[] stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(System.getProperty("ketcd.etcdctl", "/usr/bin/etcdctl"));
        command.add("--endpoints=" + String.join(",", nodes.stream().map(n -> "127.0.0.1:" + n.clientPort).toList()));
        command.add("--dial-timeout=10s");
        command.add("--command-timeout=30s");
        command.addAll(List.of(args));
        Map<String, String> env = baseEnvironment();
        env.put("ETCDCTL_API", "3");
        return Exec.run(command, env, nodes.get(0).home, stdin, Duration.ofSeconds(90));
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

    public String peerUrl() {
        return peerUrl(peerPort);
    }

    /** ETCD_NAME: {@code itest} for a single node, {@code m1..} for the members of a cluster. */
    public String name() {
        return name;
    }

    public int clientPort() {
        return clientPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public int peerPort() {
        return peerPort;
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

    /**
     * The complete lines of {@code data/log/karaf.log} so far (none before it exists). Decoded
     * leniently: bytes that are no UTF-8 become U+FFFD. A line still being written is left out.
     */
    public List<String> logLines() {
        Path log = home.resolve("data/log/karaf.log");
        if (!Files.exists(log)) {
            return List.of();
        }
        try {
            String text = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
            List<String> lines = new ArrayList<>(List.of(text.split("\r?\n", -1)));
            lines.remove(lines.size() - 1); // after the last newline: empty, or a line still being written
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many lines of {@link #logLines()} contain {@code text}. */
    public long logCount(String text) {
        return logLines().stream().filter(l -> l.contains(text)).count();
    }

    /**
     * Fails unless the member ran throughout: started once in karaf.log, and never restarted,
     * reconfigured into a restart, or stopped in-process.
     */
    public void assertNoMemberRestart() {
        List<String> lines = logLines();
        String where = "in " + home.resolve("data/log/karaf.log") + " of " + name;
        Assert.assertEquals("member starts " + where, 1, lines.stream().filter(l -> l.contains("starting member ")).count());
        Assert.assertEquals("member restarts " + where, 0, lines.stream().filter(l -> l.contains("restarting member ")
                || l.contains("restarts from its data directory to apply") || l.matches(".*member \\p{XDigit}+ restarted.*")).count());
        Assert.assertEquals("member stops " + where, 0,
                lines.stream().filter(l -> l.matches(".*member \\p{XDigit}+ stopped.*")).count());
    }

    /** Runs shell commands in one bin/client batch, fails on any error the shell printed, returns what it printed. */
    public String shell(String... commands) {
        Exec.Result result = client(commands).assertSuccess();
        String output = result.stdout() + result.stderr();
        for (String sign : List.of("Error", "error", "not found", "Exception")) {
            Assert.assertFalse("the shell reported a problem for " + List.of(commands) + ":\n" + result,
                    output.contains(sign));
        }
        return result.stdout();
    }

    /** The bundle's state as {@code bundle:list} prints it (e.g. {@code Active}). */
    public String bundleState(String symbolicName) {
        String out = shell("bundle:list -s -t 0 --no-format");
        for (String line : out.split("\n")) {
            List<String> columns = List.of(line.trim().split("\\s*[│|\\t]\\s*"));
            if (columns.size() >= 5 && columns.get(columns.size() - 1).equals(symbolicName)) {
                return columns.get(1);
            }
        }
        throw new AssertionError("no bundle " + symbolicName + " in:\n" + out);
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
