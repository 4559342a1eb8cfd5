package io.ketcd.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ketcdutl's command line and output shapes; what it does to files is tested with real snapshots in bundles/embedded. */
class KetcdutlTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Ketcdutl.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void theTableIsEtcdctlsTable() {
        // etcdctl 3.4.23's `snapshot status -w table` of a small etcd snapshot
        assertThat(Ketcdutl.table(List.of("HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE"),
                List.of("812d6219", "5", "14", "25 kB"))).isEqualTo("""
                +----------+----------+------------+------------+
                |   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |
                +----------+----------+------------+------------+
                | 812d6219 |        5 |         14 |      25 kB |
                +----------+----------+------------+------------+
                """);
    }

    @Test
    void aWrongCommandLineGetsUsageOrEtcdctlsErrorShape() {
        assertThat(run("snapshot")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("Usage:");
        err.reset();
        assertThat(run("snapshot", "status", "a.db", "--bogus", "x")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("Error: unknown flag: --bogus\n");
        err.reset();
        assertThat(run("snapshot", "status", dir.resolve("missing.db").toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("Error: ").contains("missing.db");
        err.reset();
        assertThat(run("snapshot", "status", "a.db", "-w", "yaml")).isEqualTo(1);
        assertThat(out.size()).isZero();
    }
}
