package io.ketcd.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

class ReloadingFileTest {
    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();
    private final OnceLogger log = new OnceLogger((Logger) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {Logger.class}, (proxy, method, args) -> {
                if (method.getName().equals("warn")) {
                    warnings.add((String) args[0]);
                }
                return method.getReturnType() == boolean.class ? Boolean.FALSE : null;
            }));
    private final AtomicInteger loads = new AtomicInteger();

    private ReloadingFile<Integer> number(Path file) {
        return new ReloadingFile<>("number " + file, List.of(file), () -> {
            loads.incrementAndGet();
            return Integer.valueOf(Files.readString(file).trim());
        }, log);
    }

    @Test
    void readsAgainOnlyWhenTheFileChanges() throws IOException {
        Path file = Files.writeString(dir.resolve("n"), "1");
        ReloadingFile<Integer> n = number(file);

        assertThat(n.current()).isEqualTo(1);
        assertThat(n.current()).isEqualTo(1);
        assertThat(loads).hasValue(1);

        Files.writeString(file, "22");
        assertThat(n.current()).isEqualTo(22);
        assertThat(n.current()).isEqualTo(22);
        assertThat(loads).hasValue(2);
    }

    @Test
    void aBrokenVersionKeepsTheLastGoodValueIsLoggedOnceAndTriedOnce() throws IOException {
        Path file = Files.writeString(dir.resolve("n"), "1");
        ReloadingFile<Integer> n = number(file);

        Files.writeString(file, "half-writ");
        for (int i = 0; i < 10; i++) {
            assertThat(n.current()).isEqualTo(1);
        }
        assertThat(loads).hasValue(2);
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).startsWith("cannot reload number " + file + ", keeping the last good version");

        Files.delete(file);
        assertThat(n.current()).isEqualTo(1);

        Files.writeString(file, "3");
        assertThat(n.current()).isEqualTo(3);
    }

    @Test
    void aFileThatDoesNotLoadAtStartIsAnErrorNamingIt() {
        Path missing = dir.resolve("missing");

        assertThatThrownBy(() -> number(missing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot load number " + missing);
    }
}
