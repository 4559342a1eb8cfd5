package io.ketcd.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.testing.Await;
import io.ketcd.testing.FreePorts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd 3.4 (Debian's etcd-server, which .ci/run installs) as one member on free ports of
 * 127.0.0.1, for tests that compare with it or move data between it and ketcd. Stopped and its
 * directory left to the test's {@code @TempDir} on close.
 */
final class EtcdProcess implements AutoCloseable {
    static final Path ETCD = Path.of("/usr/bin/etcd");

    private final Process process;
    private final Path log;
    private final String endpoint;

    private EtcdProcess(Process process, Path log, String endpoint) {
        this.process = process;
        this.log = log;
        this.endpoint = endpoint;
    }

    /** Starts etcd with its data in {@code dir}/data and waits until it answers etcdctl. */
    static EtcdProcess start(Path dir) throws IOException, InterruptedException {
        assertThat(ETCD).as("etcd 3.4 installed (apt-get install etcd-server)").exists();
        int[] ports = FreePorts.allocate(2);
        String client = "http://127.0.0.1:" + ports[0];
        String peer = "http://127.0.0.1:" + ports[1];
        Files.createDirectories(dir);
        Path log = dir.resolve("etcd.log");
        Process p = new ProcessBuilder(ETCD.toString(), "--name", "etcd", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer, "--initial-cluster", "etcd=" + peer)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        EtcdProcess etcd = new EtcdProcess(p, log, "127.0.0.1:" + ports[0]);
        try {
            Await.until("etcd to answer", Duration.ofSeconds(60), etcd::healthy, etcd::logTail);
        } catch (RuntimeException | Error e) {
            etcd.close();
            throw e;
        }
        return etcd;
    }

    String endpoint() {
        return endpoint;
    }

    /** etcdctl against this etcd. */
    Command etcdctl(String... args) throws IOException, InterruptedException {
        return Command.etcdctl(List.of("--endpoints=" + endpoint), args);
    }

    private boolean healthy() {
        try {
            return process.isAlive() && etcdctl("endpoint", "health").succeeded();
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
