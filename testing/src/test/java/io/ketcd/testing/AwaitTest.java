package io.ketcd.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class AwaitTest {

    @Test
    void returnsOnceTheConditionHoldsAndChecksAgainUntilThen() {
        AtomicInteger checks = new AtomicInteger();
        Await.until("the third check", Duration.ofSeconds(10), () -> checks.incrementAndGet() == 3);
        assertThat(checks).hasValue(3);
    }

    @Test
    void failsNamingWhatItWaitedForWithTheDiagnostics() {
        assertThatThrownBy(() -> Await.until("never", Duration.ofMillis(30), () -> false, () -> "log tail"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("waiting for never").hasMessageEndingWith("\nlog tail");
    }

    @Test
    void valueReturnsWhatTheProbeFound() {
        CompletableFuture<String> later = new CompletableFuture<>();
        Thread t = new Thread(() -> later.complete("found"));
        t.start();
        assertThat(Await.value("a value", Duration.ofSeconds(10), () -> Optional.ofNullable(later.getNow(null))))
                .isEqualTo("found");
    }

    @Test
    void anInterruptedWaitStopsAndKeepsTheInterrupt() {
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> Await.until("nothing", Duration.ofSeconds(10), () -> false))
                .hasMessageContaining("interrupted");
        assertThat(Thread.interrupted()).isTrue();
    }

    @Test
    void freePortsAreDistinctAndBindable() {
        int[] ports = FreePorts.allocate(3);
        assertThat(ports).doesNotHaveDuplicates();
        for (int p : ports) {
            assertThat(FreePorts.bindable(p)).isTrue();
        }
    }
}
