package io.ketcd.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU seconds (user + system, all threads) used so far by this JVM, and by another process on
 * Linux. On a small machine the generator and the server share the cores, so what each of them
 * burns per request is part of the result.
 */
final class CpuTime {
    /** Linux's USER_HZ, the unit of the times in {@code /proc/PID/stat}: 100 on every mainstream platform. */
    private static final double TICKS_PER_SECOND = 100;

    private CpuTime() {
    }

    static double self() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /** From {@code /proc/PID/stat}: utime and stime, fields 14 and 15 (see proc(5)). */
    static double ofProcess(long pid) {
        try {
            return parseStat(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CPU time of process " + pid, e);
        }
    }

    static double parseStat(String stat) {
        // the command name (field 2) is in parentheses and may hold spaces; field 3 follows ") "
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3])) / TICKS_PER_SECOND;
    }
}
