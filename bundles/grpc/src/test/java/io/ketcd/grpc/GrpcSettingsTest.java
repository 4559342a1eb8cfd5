package io.ketcd.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;

class GrpcSettingsTest {

    @Test
    void defaultsAreEtcds() {
        GrpcSettings s = GrpcSettings.from(Map.of(), Map.of());
        assertThat(s.listenClientUrls()).containsExactly(URI.create("http://localhost:2379"));
        assertThat(s.maxRequestBytes()).isEqualTo(1_572_864);
    }

    @Test
    void propertiesAndThenEtcdVariablesSetThem() {
        GrpcSettings s = GrpcSettings.from(Map.of("listen-client-urls", "http://127.0.0.1:1,http://127.0.0.1:2",
                "max-request-bytes", 10, "service.pid", "io.ketcd.server"), Map.of());
        assertThat(s.listenClientUrls()).containsExactly(URI.create("http://127.0.0.1:1"), URI.create("http://127.0.0.1:2"));
        assertThat(s.maxRequestBytes()).isEqualTo(10);
        GrpcSettings env = GrpcSettings.from(Map.of("listen-client-urls", "http://127.0.0.1:1"),
                Map.of("ETCD_LISTEN_CLIENT_URLS", "http://127.0.0.1:12379"));
        assertThat(env.listenClientUrls()).containsExactly(URI.create("http://127.0.0.1:12379"));
    }

    @Test
    void badValuesNameTheFlag() {
        assertThatThrownBy(() -> GrpcSettings.from(Map.of("listen-client-urls", "localhost"), Map.of()))
                .hasMessageContaining("-listen-client-urls");
    }
}
