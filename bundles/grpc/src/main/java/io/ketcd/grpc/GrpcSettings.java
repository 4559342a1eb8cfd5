package io.ketcd.grpc;

import io.ketcd.api.config.Flags;
import io.ketcd.api.config.SharedFlags;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the client gRPC server takes from the member's configuration, under etcd's flag names
 * and with etcd's defaults; {@code ETCD_*} variables override the properties as in etcd.
 *
 * @param listenClientUrls where etcd's gRPC clients connect
 * @param maxRequestBytes the largest request etcd takes; gRPC allows its own overhead on top
 * @param electionTimeout how often streams that require a leader check for one (etcd's period)
 */
public record GrpcSettings(List<URI> listenClientUrls, int maxRequestBytes, Duration electionTimeout) {

    /** Keys read, with etcd's defaults. */
    public static final Map<String, String> KEYS = Map.copyOf(keys());

    private static Map<String, String> keys() {
        Map<String, String> k = new LinkedHashMap<>();
        k.put("listen-client-urls", "http://localhost:2379");
        k.put(SharedFlags.MAX_REQUEST_BYTES, SharedFlags.DEFAULTS.get(SharedFlags.MAX_REQUEST_BYTES));
        k.put("election-timeout", "1000"); // milliseconds, as the server reads it
        return k;
    }

    public GrpcSettings {
        listenClientUrls = List.copyOf(listenClientUrls);
    }

    /** @throws IllegalArgumentException naming the key, when a value cannot be parsed */
    public static GrpcSettings from(Map<String, ?> properties, Map<String, String> environment) {
        Flags v = Flags.read(KEYS, properties, environment);
        return new GrpcSettings(v.urls("listen-client-urls"), Math.toIntExact(v.number(SharedFlags.MAX_REQUEST_BYTES)),
                Duration.ofMillis(v.number("election-timeout")));
    }
}
