package io.ketcd.http;

import io.ketcd.api.config.Flags;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * What the client HTTP server takes from the member's configuration: {@code
 * listen-client-http-urls} (etcd 3.5's flag; ketcd's default keeps HTTP on its own port, 2381),
 * overridden by {@code ETCD_LISTEN_CLIENT_HTTP_URLS} as in etcd.
 */
public record HttpSettings(List<URI> listenClientHttpUrls) {

    /** Keys read, with their defaults. */
    public static final Map<String, String> KEYS = Map.of("listen-client-http-urls", "http://localhost:2381");

    public HttpSettings {
        listenClientHttpUrls = List.copyOf(listenClientHttpUrls);
    }

    /** @throws IllegalArgumentException when a URL cannot be parsed */
    public static HttpSettings from(Map<String, ?> properties, Map<String, String> environment) {
        return new HttpSettings(Flags.read(KEYS, properties, environment).urls("listen-client-http-urls"));
    }
}
