package io.ketcd.transport;

import io.ketcd.api.config.Flags;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The socket options of TCP listeners, under etcd 3.5's flag names. Unix domain sockets take
 * neither option.
 *
 * @param reuseAddress {@code socket-reuse-address}: SO_REUSEADDR, which lets a restarted member
 *     bind a port whose old connections are still in TIME_WAIT. Go's {@code net.Listen} sets it
 *     on every TCP listener on Linux anyway, and so does this factory, so on Linux the flag
 *     changes nothing; it is read for etcd's configuration files
 * @param reusePort {@code socket-reuse-port}: SO_REUSEPORT, which lets several sockets (of this
 *     or another process that also sets it) bind the same address and port; the kernel spreads
 *     new connections over them
 */
public record TransportSettings(boolean reuseAddress, boolean reusePort) {

    /** The keys, in etcd's spelling, with etcd's defaults. */
    public static final Map<String, String> KEYS = keys();

    private static Map<String, String> keys() {
        Map<String, String> k = new LinkedHashMap<>();
        k.put("socket-reuse-address", "false");
        k.put("socket-reuse-port", "false");
        return Collections.unmodifiableMap(k);
    }

    /** Both options off, as etcd starts without the flags. */
    public static TransportSettings defaults() {
        return from(Map.of(), Map.of());
    }

    /**
     * Reads {@link #KEYS} from {@code properties}, with {@code ETCD_*} variables of {@code
     * environment} overriding them; other keys are ignored.
     *
     * @throws IllegalArgumentException naming the flag, when a value is not a Go boolean
     */
    public static TransportSettings from(Map<String, ?> properties, Map<String, String> environment) {
        Flags flags = Flags.read(KEYS, properties, environment);
        return new TransportSettings(flags.bool("socket-reuse-address"), flags.bool("socket-reuse-port"));
    }
}
