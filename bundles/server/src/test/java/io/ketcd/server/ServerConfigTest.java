package io.ketcd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ServerConfigTest {

    @Test
    void defaultsAreEtcds() {
        ServerConfig c = ServerConfig.defaults();
        assertThat(c.name()).isEqualTo("default");
        assertThat(c.dataDir()).isEqualTo(Path.of("default.etcd"));
        assertThat(c.advertiseClientUrls()).containsExactly(URI.create("http://localhost:2379"));
        assertThat(c.listenPeerUrls()).containsExactly(URI.create("http://localhost:2380"));
        assertThat(c.initialCluster()).isEqualTo("default=http://localhost:2380");
        assertThat(c.initialClusterState()).isEqualTo("new");
        assertThat(c.initialClusterToken()).isEqualTo("etcd-cluster");
        assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.electionTimeout()).isEqualTo(Duration.ofMillis(1000));
        assertThat(c.snapshotCount()).isEqualTo(100_000);
        assertThat(c.quotaBackendBytes()).isEqualTo(2L * 1024 * 1024 * 1024);
        assertThat(c.maxRequestBytes()).isEqualTo(1_572_864);
        assertThat(c.maxTxnOps()).isEqualTo(128);
        assertThat(c.leaseCheckpoint()).as("on, where etcd 3.4 has it off").isTrue();
        assertThat(c.leaseCheckpointInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void leaseCheckpointFlagsReadAsEtcdReadsThem() {
        ServerConfig c = ServerConfig.from(Map.of("experimental-enable-lease-checkpoint", "false",
                "experimental-lease-checkpoint-interval", "1m30s"), Map.of());
        assertThat(c.leaseCheckpoint()).isFalse();
        assertThat(c.leaseCheckpointInterval()).isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> ServerConfig.from(Map.of("experimental-lease-checkpoint-interval", "300"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid value \"300\" for flag -experimental-lease-checkpoint-interval: parse error");
    }

    @Test
    void propertiesSetValuesAndDataDirFollowsName() {
        ServerConfig c = ServerConfig.from(Map.of("name", "infra1",
                "advertise-client-urls", "http://127.0.0.1:1,http://127.0.0.1:2",
                "max-txn-ops", 7, "service.pid", "io.ketcd.server"), Map.of());
        assertThat(c.name()).isEqualTo("infra1");
        assertThat(c.dataDir()).isEqualTo(Path.of("infra1.etcd"));
        assertThat(c.advertiseClientUrls()).containsExactly(URI.create("http://127.0.0.1:1"), URI.create("http://127.0.0.1:2"));
        assertThat(c.maxTxnOps()).isEqualTo(7);
    }

    @Test
    void etcdEnvironmentVariablesOverrideProperties() {
        ServerConfig c = ServerConfig.from(Map.of("name", "fromfile", "data-dir", "/a"),
                Map.of("ETCD_NAME", "fromenv", "ETCD_DATA_DIR", "/b",
                        "ETCD_ADVERTISE_CLIENT_URLS", "http://127.0.0.1:12379"));
        assertThat(c.name()).isEqualTo("fromenv");
        assertThat(c.dataDir()).isEqualTo(Path.of("/b"));
        assertThat(c.advertiseClientUrls()).isEqualTo(List.of(URI.create("http://127.0.0.1:12379")));
        assertThat(ServerConfig.envName("initial-cluster-token")).isEqualTo("ETCD_INITIAL_CLUSTER_TOKEN");
    }

    @Test
    void badValuesNameTheFlag() {
        assertThatThrownBy(() -> ServerConfig.from(Map.of("max-request-bytes", "lots"), Map.of()))
                .hasMessageContaining("-max-request-bytes");
        assertThatThrownBy(() -> ServerConfig.from(Map.of("advertise-client-urls", "localhost"), Map.of()))
                .hasMessageContaining("-advertise-client-urls");
        assertThatThrownBy(() -> ServerConfig.from(Map.of("initial-cluster-state", "old"), Map.of()))
                .hasMessageContaining("valid values are \"new\" or \"existing\"");
    }

    @Test
    void theWatchProgressIntervalIsAGoDurationWithEtcdsFloorAndDefault() {
        assertThat(ServerConfig.defaults().watchProgressNotifyInterval()).isEqualTo(Duration.ofMinutes(10));
        assertThat(interval("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(interval("50ms")).isEqualTo(Duration.ofMillis(100));
        assertThat(interval("0")).isEqualTo(Duration.ofMinutes(10));
        assertThatThrownBy(() -> interval("10")).hasMessage(
                "invalid value \"10\" for flag -experimental-watch-progress-notify-interval: parse error");
    }

    private static Duration interval(String value) {
        return ServerConfig.from(Map.of("experimental-watch-progress-notify-interval", value), Map.of())
                .watchProgressNotifyInterval();
    }
}
