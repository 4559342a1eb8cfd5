package io.ketcd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark scripts in their shortest modes, so that they keep working: each runs against a
 * real etcd 3.4 and the built Karaf distribution and must end well with a table row holding a
 * number for both servers. Their numbers are not asserted: speed lives in the benchmark's
 * results, not in tests. Needs etcd, etcdctl and openssl on the PATH (.ci/run installs them) and
 * runs after the bench jar is packaged (Failsafe).
 */
class BenchScriptsIT {
    private static final Duration BOUND = Duration.ofMinutes(8);
    private static final String NUMBER = "[0-9]+(\\.[0-9]+)?";

    private static Path bench;

    @TempDir
    Path logs;

    @BeforeAll
    static void locate() {
        bench = Path.of(System.getProperty("ketcd.bench.dir", ".")).toAbsolutePath();
        assertThat(bench.resolve("target/ketcd-bench.jar")).as("the packaged bench jar").isRegularFile();
        assertThat(bench.resolve("../karaf-assembly/target/assembly/bin/karaf")).as("the built distribution").isRegularFile();
    }

    @Test
    void compareRunsAQuickRoundOnOneMemberEach() throws Exception {
        String out = run("compare.sh", "--quick", "--ketcd", "dist", "--only", "^put 1 conn");
        assertRow(out, "put 1 conn 1 client");
    }

    @Test
    void compareRunsAQuickRoundOnThreeMembersEach() throws Exception {
        String out = run("compare.sh", "--quick", "--cluster", "--ketcd", "dist", "--only", "^put 6 conns");
        assertRow(out, "put 6 conns 16 clients");
    }

    @Test
    void startupTimesAStartAndARestartOfEach() throws Exception {
        String out = run("startup.sh", "--quick");
        assertRow(out, "first write after start, s");
        assertRow(out, "idle RSS after 1 s, MB");
        assertRow(out, "first write after kill -9, s");
    }

    @Test
    void warmupFollowsAFreshClusterOfEachWindowByWindow() throws Exception {
        String out = run("warmup.sh", "--quick");
        assertRow(out, "0-2");
        assertRow(out, "4-6");
    }

    @Test
    void maintenanceTimesSnapshotDefragAndRestoreOnASmallBackend() throws Exception {
        String out = run("maintenance.sh", "--size-mb", "2");
        assertRow(out, "snapshot save, seconds");
        assertRow(out, "defragment, seconds");
        assertRow(out, "snapshot restore, seconds");
    }

    @Test
    void authRunsOneShortRound() throws Exception {
        String out = run("auth.sh", "--rounds", "1", "--duration", "1", "--warmup", "1");
        assertRow(out, "put, auth off");
        assertRow(out, "range, simple token");
        assertRow(out, "put, jwt token");
    }

    /** A table row named {@code name} with a number in each of its next two cells (etcd's, ketcd's). */
    private static void assertRow(String out, String name) {
        assertThat(out).as("a row '%s' with both servers' numbers", name)
                .containsPattern(Pattern.quote("| " + name + " |") + " *" + NUMBER + " *\\| *" + NUMBER + " *\\|");
    }

    /** Runs bench/SCRIPT with ARGS; returns its standard output, failing with its log when it fails. */
    private String run(String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", bench.resolve(script).toString()));
        command.addAll(List.of(args));
        File err = logs.resolve(script + ".err").toFile();
        File out = logs.resolve(script + ".out").toFile();
        Process p = new ProcessBuilder(command).directory(bench.toFile()).redirectOutput(out).redirectError(err).start();
        if (!p.waitFor(BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(script + " did not end within " + BOUND.toMinutes() + " min:\n" + tail(err));
        }
        String stdout = Files.readString(out.toPath(), StandardCharsets.UTF_8);
        System.out.println("=== bench/" + script + " " + String.join(" ", args) + "\n" + stdout);
        assertThat(p.exitValue()).as("exit of %s; its stderr ends:\n%s", script, tail(err)).isZero();
        return stdout;
    }

    private static String tail(File f) throws IOException {
        List<String> lines = Files.readAllLines(f.toPath(), StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
