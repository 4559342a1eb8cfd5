package io.ketcd.api.config;

import java.util.Map;

/**
 * etcd flags that more than one bundle reads, with their one default: each bundle's own key
 * table ({@code ServerConfig.KEYS}, the gRPC settings, ...) takes the entry from here.
 */
public final class SharedFlags {
    /** The largest request a client may send (the server refuses larger ones; gRPC adds its overhead). */
    public static final String MAX_REQUEST_BYTES = "max-request-bytes";

    /** etcd's defaults of the shared flags. */
    public static final Map<String, String> DEFAULTS = Map.of(MAX_REQUEST_BYTES, "1572864"); // 1.5 MiB

    private SharedFlags() {
    }
}
