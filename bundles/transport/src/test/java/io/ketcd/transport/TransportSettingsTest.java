package io.ketcd.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

class TransportSettingsTest {

    @Test
    void bothOptionsAreOffByDefaultAsInEtcd() {
        assertThat(TransportSettings.KEYS).containsExactly(
                Map.entry("socket-reuse-address", "false"), Map.entry("socket-reuse-port", "false"));
        assertThat(TransportSettings.defaults()).isEqualTo(new TransportSettings(false, false));
    }

    @Test
    void readsPropertiesWithGoBooleansAndIgnoresOtherKeys() {
        TransportSettings settings = TransportSettings.from(
                Map.of("socket-reuse-address", "t", "socket-reuse-port", "TRUE", "service.pid", "io.ketcd.server"),
                Map.of());

        assertThat(settings).isEqualTo(new TransportSettings(true, true));
    }

    @Test
    void environmentOverridesProperties() {
        TransportSettings settings = TransportSettings.from(
                Map.of("socket-reuse-port", "true"),
                Map.of("ETCD_SOCKET_REUSE_PORT", "false", "ETCD_SOCKET_REUSE_ADDRESS", "1"));

        assertThat(settings).isEqualTo(new TransportSettings(true, false));
    }

    @Test
    void aValueThatIsNotABooleanNamesTheFlag() {
        assertThatThrownBy(() -> TransportSettings.from(Map.of("socket-reuse-port", "yes"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid value \"yes\" for flag -socket-reuse-port: parse error");
    }
}
