package io.ketcd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.config.LogLevel;

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

    @Test
    void autoCompactionIsOffByDefaultAndReadsItsRetentionAsEtcdDoes() {
        assertThat(ServerConfig.defaults().autoCompaction()).isEqualTo(AutoCompaction.OFF);
        assertThat(ServerConfig.defaults().autoCompaction().enabled()).isFalse();
        // periodic: a Go duration, or a whole number of hours
        assertThat(autoCompaction("periodic", "1"))
                .isEqualTo(new AutoCompaction(AutoCompaction.Mode.PERIODIC, Duration.ofHours(1), 0));
        assertThat(autoCompaction("periodic", "+5").period()).isEqualTo(Duration.ofHours(5));
        assertThat(autoCompaction("periodic", "30m").period()).isEqualTo(Duration.ofMinutes(30));
        assertThat(autoCompaction("periodic", "1.5h").period()).isEqualTo(Duration.ofMinutes(90));
        assertThat(autoCompaction("periodic", "500ms").period()).isEqualTo(Duration.ofMillis(500));
        assertThat(autoCompaction("periodic", "5\u00b5s").period()).isEqualTo(Duration.ofNanos(5_000));
        // revision: a number of revisions; a duration is its count of nanoseconds, as etcd takes it
        assertThat(autoCompaction("revision", "1000")).isEqualTo(new AutoCompaction(AutoCompaction.Mode.REVISION,
                Duration.ZERO, 1000));
        assertThat(autoCompaction("revision", "1s").revisions()).isEqualTo(1_000_000_000L);
        // 0, and "" which etcd reads as 0, are off in either mode
        assertThat(autoCompaction("periodic", "0").enabled()).isFalse();
        assertThat(autoCompaction("revision", "0").enabled()).isFalse();
        assertThat(autoCompaction("periodic", "").enabled()).isFalse();
        assertThat(autoCompaction("periodic", "0s").enabled()).isFalse();
        // the empty mode passes etcd's flag check: off with a whole number
        assertThat(autoCompaction("", "3").enabled()).isFalse();
        // etcd's texts: its log lines show the retention so
        assertThat(autoCompaction("periodic", "1").retentionText()).isEqualTo("1h0m0s");
        assertThat(autoCompaction("periodic", "90s").retentionText()).isEqualTo("1m30s");
        assertThat(autoCompaction("periodic", "1500ms").retentionText()).isEqualTo("1.5s");
        assertThat(autoCompaction("periodic", "500ms").retentionText()).isEqualTo("500ms");
        assertThat(autoCompaction("revision", "1000").retentionText()).isEqualTo("1000 revisions");
        // the environment overrides the properties, as for every flag
        assertThat(ServerConfig.from(Map.of("auto-compaction-retention", "1"), Map.of(
                "ETCD_AUTO_COMPACTION_MODE", "revision")).autoCompaction()).isEqualTo(new AutoCompaction(
                AutoCompaction.Mode.REVISION, Duration.ZERO, 1));
    }

    /** The texts etcd 3.4.23 prints for the same flags (its "error verifying flags, ..." wrapper aside). */
    @Test
    void badAutoCompactionValuesAreRefusedWithEtcdsMessages() {
        String parsing = "error parsing CompactionRetention: ";
        String time = parsing + "time: ";
        assertAutoCompactionRefused("foo", "1", "unknown auto-compaction-mode \"foo\"");
        assertAutoCompactionRefused("foo", "0", "unknown auto-compaction-mode \"foo\"");
        assertAutoCompactionRefused("foo", "abc", "unknown auto-compaction-mode \"foo\"");
        assertAutoCompactionRefused("periodic", "abc", time + "invalid duration \"abc\"");
        assertAutoCompactionRefused("revision", "abc", time + "invalid duration \"abc\"");
        assertAutoCompactionRefused("periodic", "-1", time + "missing unit in duration \"-1\"");
        assertAutoCompactionRefused("revision", "-1", time + "missing unit in duration \"-1\"");
        assertAutoCompactionRefused("periodic", "1.5", time + "missing unit in duration \"1.5\"");
        assertAutoCompactionRefused("periodic", "1h2", time + "missing unit in duration \"1h2\"");
        assertAutoCompactionRefused("periodic", "1x", time + "unknown unit \"x\" in duration \"1x\"");
        assertAutoCompactionRefused("periodic", "1hh", time + "unknown unit \"hh\" in duration \"1hh\"");
        assertAutoCompactionRefused("periodic", "1e3", time + "unknown unit \"e\" in duration \"1e3\"");
        assertAutoCompactionRefused("periodic", ".s", time + "invalid duration \".s\"");
        assertAutoCompactionRefused("periodic", "-", time + "invalid duration \"-\"");
        assertAutoCompactionRefused("periodic", "1 h", time + "unknown unit \" h\" in duration \"1 h\"");
        // Go writes each byte of a non-ASCII character as \xNN
        assertAutoCompactionRefused("periodic", "1\u00e9",
                time + "unknown unit \"\\xc3\\xa9\" in duration \"1\\xc3\\xa9\"");
        assertAutoCompactionRefused("periodic", "\"", time + "invalid duration \"\\\"\"");
        assertAutoCompactionRefused("periodic", "99999999999999999999",
                time + "invalid duration \"99999999999999999999\"");
        assertAutoCompactionRefused("", "1h", "unsupported compaction mode ");
        // ketcd's own: etcd takes these and then compacts in a busy loop, or wraps the hours around
        assertAutoCompactionRefused("periodic", "-1h", parsing + "negative retention \"-1h\"");
        assertAutoCompactionRefused("periodic", "3000000", parsing + "3000000 hours is out of range");
    }

    @Test
    void logLevelTakesEtcdsSixLevelsInLowerCaseOnly() {
        assertThat(ServerConfig.defaults().logLevel()).isEqualTo(LogLevel.INFO);
        for (LogLevel level : LogLevel.values()) {
            assertThat(ServerConfig.from(Map.of("log-level", level.flag()), Map.of()).logLevel()).isEqualTo(level);
        }
        assertThat(LogLevel.PANIC.loggerLevel()).isEqualTo("ERROR");
        for (String refused : List.of("DEBUG", "trace", "")) {
            assertThatThrownBy(() -> ServerConfig.from(Map.of("log-level", refused), Map.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("invalid value \"" + refused + "\" for flag -log-level: unknown level \"" + refused + "\"");
        }
    }

    @Test
    void theElectionTimeoutMustBeFiveHeartbeatsWhenTheFlagsAreRead() {
        assertThatThrownBy(() -> ServerConfig.from(Map.of("heartbeat-interval", "100", "election-timeout", "499"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--election-timeout[499ms] should be at least as 5 times as --heartbeat-interval[100ms]");
        assertThat(ServerConfig.from(Map.of("heartbeat-interval", "100", "election-timeout", "500"), Map.of()).electionTimeout())
                .isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void changedKeysNameEveryKeyWhoseValueDiffersAndOnlyThose() {
        ServerConfig before = ServerConfig.from(Map.of("snapshot-count", "10", "log-level", "info"), Map.of());
        ServerConfig after = ServerConfig.from(Map.of("snapshot-count", "10", "log-level", "debug",
                "auto-compaction-retention", "1h", "name", "other", "service.pid", "io.ketcd.server"), Map.of());
        assertThat(before.changedKeys(after)).containsExactly("name", "auto-compaction-retention", "log-level");
        assertThat(before.changedKeys(before)).isEmpty();
        assertThat(ServerConfig.LIVE_KEYS).contains("log-level", "auto-compaction-mode", "auto-compaction-retention",
                "experimental-watch-progress-notify-interval").doesNotContain("name", "snapshot-count");
        assertThat(ServerConfig.KEYS.keySet()).containsAll(ServerConfig.LIVE_KEYS);
        // an environment variable overrides the property, so changing the property changes nothing
        Map<String, String> env = Map.of("ETCD_SNAPSHOT_COUNT", "7");
        assertThat(ServerConfig.from(Map.of("snapshot-count", "1"), env)
                .changedKeys(ServerConfig.from(Map.of("snapshot-count", "2"), env))).isEmpty();
    }

    private static AutoCompaction autoCompaction(String mode, String retention) {
        return ServerConfig.from(Map.of("auto-compaction-mode", mode, "auto-compaction-retention", retention), Map.of())
                .autoCompaction();
    }

    private static void assertAutoCompactionRefused(String mode, String retention, String message) {
        assertThatThrownBy(() -> autoCompaction(mode, retention)).as("%s %s", mode, retention)
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    private static Duration interval(String value) {
        return ServerConfig.from(Map.of("experimental-watch-progress-notify-interval", value), Map.of())
                .watchProgressNotifyInterval();
    }
}
