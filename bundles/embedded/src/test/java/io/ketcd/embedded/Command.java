package io.ketcd.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real client program (etcdctl, openssl) run to its end, with stdin closed or read from a file. */
record Command(int exit, String out, String err) {
    static final Path ETCDCTL = Path.of("/usr/bin/etcdctl");
    static final Path OPENSSL = Path.of("/usr/bin/openssl");

    static Command run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        return run(command, timeout, Path.of("/dev/null"));
    }

    private static Command run(List<String> command, Duration timeout, Path stdin) throws IOException, InterruptedException {
        Path out = Files.createTempFile("command", ".out");
        Path err = Files.createTempFile("command", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(stdin.toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().put("ETCDCTL_API", "3");
            Process p = builder.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
            }
            return new Command(p.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** etcdctl 3.4 with {@code connection} flags (endpoints, TLS files) and {@code args}. */
    static Command etcdctl(List<String> connection, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ETCDCTL.toString(), "--dial-timeout=5s", "--command-timeout=10s"));
        command.addAll(connection);
        command.addAll(List.of(args));
        return run(command, Duration.ofSeconds(60));
    }

    /** etcdctl 3.4 with {@code input} on its standard input (etcdctl txn reads its script there). */
    static Command etcdctlWithInput(List<String> connection, String input, String... args)
            throws IOException, InterruptedException {
        Path in = Files.createTempFile("command", ".in");
        try {
            Files.writeString(in, input, UTF_8);
            List<String> command = new ArrayList<>(List.of(ETCDCTL.toString(), "--dial-timeout=5s", "--command-timeout=10s"));
            command.addAll(connection);
            command.addAll(List.of(args));
            return run(command, Duration.ofSeconds(60), in);
        } finally {
            Files.deleteIfExists(in);
        }
    }

    /** {@code openssl s_client} against 127.0.0.1:{@code port} with {@code options}; its output is on stdout. */
    static Command sClient(int port, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(OPENSSL.toString(), "s_client", "-connect", "127.0.0.1:" + port));
        command.addAll(List.of(options));
        return run(command, Duration.ofSeconds(30));
    }

    boolean succeeded() {
        return exit == 0;
    }
}
