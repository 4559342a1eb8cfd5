package io.ketcd.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class FlagsTest {

    private static Duration duration(String value) {
        return Flags.read(Map.of("d", ""), Map.of("d", value), Map.of()).duration("d");
    }

    @Test
    void durationsReadAsGosTimeParseDuration() {
        assertThat(duration("10m0s")).isEqualTo(Duration.ofMinutes(10));
        assertThat(duration("10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(duration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(duration("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(duration("1h2m3s4ms5us6ns")).isEqualTo(Duration.ofHours(1).plusMinutes(2).plusSeconds(3)
                .plusMillis(4).plusNanos(5_006));
        assertThat(duration("0")).isZero();
        assertThat(duration("-2s")).isEqualTo(Duration.ofSeconds(-2));
    }

    @Test
    void aDurationWithoutUnitIsRefusedAsGoRefusesIt() {
        for (String bad : new String[] {"10", "", "m", "5 s", "1d"}) {
            assertThatThrownBy(() -> duration(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("invalid value \"" + bad + "\" for flag -d: parse error");
        }
    }
}
