package io.ketcd.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Resident memory of (server) processes on Linux, from {@code VmRSS} in {@code /proc/PID/status}:
 * what the operating system gives the process, whatever its runtime does inside (Go's heap, a
 * JVM's heap, metaspace and code cache alike), so one measure fits etcd and ketcd.
 */
final class ProcessMemory {
    private ProcessMemory() {
    }

    /** Bytes resident now. */
    static long rss(long pid) {
        try {
            return parseVmRss(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the memory of process " + pid, e);
        }
    }

    /** {@code VmRSS:   123456 kB} (proc(5)) in bytes. */
    static long parseVmRss(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] f = line.substring("VmRSS:".length()).trim().split("\\s+");
                if (f.length != 2 || !f[1].equals("kB")) {
                    throw new IllegalArgumentException("unexpected VmRSS line: " + line);
                }
                return Long.parseLong(f[0]) * 1024;
            }
        }
        throw new IllegalArgumentException("no VmRSS line (a kernel thread, or a zombie?)");
    }

    /**
     * The smallest of {@code samples} readings {@code interval} apart of the processes' summed resident memory: a
     * runtime that just allocated and is about to give back (a collection, a compiler's arena) counts as it settles.
     */
    static long settled(List<Long> pids, int samples, Duration interval) throws InterruptedException {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < samples; i++) {
            if (i > 0) {
                Thread.sleep(interval.toMillis());
            }
            least = Math.min(least, pids.stream().mapToLong(ProcessMemory::rss).sum());
        }
        return least;
    }
}
