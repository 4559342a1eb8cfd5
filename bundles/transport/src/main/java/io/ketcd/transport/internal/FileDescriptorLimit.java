package io.ketcd.transport.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

import com.sun.management.UnixOperatingSystemMXBean;

/** The process's open-file limit, as etcd's {@code runtimeutil.FDLimit} reads it (RLIMIT_NOFILE). */
public final class FileDescriptorLimit {
    /** What {@link #ofProcess()} answers when the platform does not tell. */
    public static final long UNKNOWN = -1;

    private FileDescriptorLimit() {
    }

    /**
     * The soft limit on open file descriptors, or {@link #UNKNOWN}: on Windows, on a JVM without
     * {@code com.sun.management}, or in an OSGi framework that does not give this bundle the JDK's
     * {@code com.sun.management} package (its import is optional).
     */
    public static long ofProcess() {
        try {
            OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof UnixOperatingSystemMXBean unix) {
                long limit = unix.getMaxFileDescriptorCount();
                return limit > 0 ? limit : UNKNOWN;
            }
            return UNKNOWN;
        } catch (NoClassDefFoundError e) {
            return UNKNOWN;
        }
    }
}
