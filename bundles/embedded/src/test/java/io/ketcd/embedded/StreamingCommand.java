package io.ketcd.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.ketcd.testing.Await;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A client program that runs until stopped (etcdctl watch), its output collected as it comes;
 * {@link #close()} kills it and waits for it.
 */
final class StreamingCommand implements AutoCloseable {
    private final Process process;
    private final StringBuffer out = new StringBuffer();
    private final Thread reader;

    private StreamingCommand(List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("ETCDCTL_API", "3");
        process = builder.start();
        reader = new Thread(() -> copy(process.getInputStream()), "streaming-command-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** etcdctl 3.4 with {@code connection} flags and {@code args}, running until closed. */
    static StreamingCommand etcdctl(List<String> connection, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Command.ETCDCTL.toString(), "--dial-timeout=5s"));
        command.addAll(connection);
        command.addAll(List.of(args));
        return new StreamingCommand(command);
    }

    private void copy(InputStream in) {
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.append(new String(buf, 0, n, UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the output so far is exactly {@code expected}; fails naming what came instead. */
    void awaitOutput(Duration bound, String expected) {
        Await.until("the output\n" + expected, bound, () -> out.toString().equals(expected),
                () -> "got:\n" + out);
    }

    /** Waits until the output so far satisfies {@code expected}; fails showing what came instead. */
    void awaitOutput(Duration bound, Predicate<String> expected) {
        Await.until("the expected output", bound, () -> expected.test(out.toString()), () -> "got:\n" + out);
    }

    /** Waits for the first line of output and returns it, without its line end. */
    String awaitLine(Duration bound) {
        Await.until("a line of output", bound, () -> out.indexOf("\n") >= 0, () -> "got:\n" + out);
        return out.substring(0, out.indexOf("\n"));
    }

    /** The output so far. */
    String output() {
        return out.toString();
    }

    /** Stops the program as a user would (SIGTERM, which etcdctl's lock and elect clean up after) and waits for it. */
    void terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the program did not end within 10 s of SIGTERM");
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        reader.join(10_000);
    }
}
