package io.ketcd.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;

class HttpSettingsTest {

    @Test
    void theDefaultPortIsKetcdsAndEtcdVariablesOverrideProperties() {
        assertThat(HttpSettings.from(Map.of(), Map.of()).listenClientHttpUrls())
                .containsExactly(URI.create("http://localhost:2381"));
        assertThat(HttpSettings.from(Map.of("listen-client-http-urls", "http://127.0.0.1:1"),
                Map.of("ETCD_LISTEN_CLIENT_HTTP_URLS", "http://127.0.0.1:2")).listenClientHttpUrls())
                .containsExactly(URI.create("http://127.0.0.1:2"));
    }
}
