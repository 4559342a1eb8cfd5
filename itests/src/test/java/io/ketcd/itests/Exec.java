package io.ketcd.itests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command line to completion, with a bound, and keeps what it printed. */
public final class Exec {

    /** The outcome of one command: its exit status and everything it wrote. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {

        /** Fails with the whole transcript unless the command exited with status 0. */
        public Result assertSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("command failed: " + this);
            }
            return this;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + "\n  exit " + exitCode
                    + "\n  stdout: " + stdout.replace("\n", "\n          ")
                    + "\n  stderr: " + stderr.replace("\n", "\n          ");
        }
    }

    private Exec() {
    }

    /**
     * Runs {@code command} in {@code workDir} with exactly the environment {@code env}, feeding it
     * {@code stdin} (then end of input; null means no input at all).
     *
     * @throws AssertionError if it has not ended within {@code timeout} (it is killed then)
     */
    public static Result run(List<String> command, Map<String, String> env, Path workDir, byte[] stdin, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("exec", ".out");
            err = Files.createTempFile("exec", ".err");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException e) {
                // the command exited without reading all of its input; its exit status tells why
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("still running after " + timeout.toSeconds() + " s: " + command
                        + "\n  stdout so far: " + Files.readString(out) + "\n  stderr so far: " + Files.readString(err));
            }
            return new Result(command, p.exitValue(), read(out), read(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        } finally {
            delete(out);
            delete(err);
        }
    }

    private static String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void delete(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }
}
