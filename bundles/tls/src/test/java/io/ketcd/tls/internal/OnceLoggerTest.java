package io.ketcd.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class OnceLoggerTest {
    private final List<String> warnings = new ArrayList<>();

    /** A logger that records the format of every warn call. */
    private final Logger recording = (Logger) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {Logger.class}, (proxy, method, args) -> {
                if (method.getName().equals("warn")) {
                    warnings.add((String) args[0]);
                }
                return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
            });

    @Test
    void logsEachDistinctReasonOnce() {
        OnceLogger log = new OnceLogger(recording);

        for (int i = 0; i < 100; i++) {
            log.warn("rejected TLS connection: CN \"a\"");
            log.warn("rejected TLS connection: CN \"b\"");
        }

        assertThat(warnings).containsExactly("rejected TLS connection: CN \"a\"", "rejected TLS connection: CN \"b\"");
    }

    @Test
    void stopsRememberingAfterABound() {
        OnceLogger log = new OnceLogger(recording);

        for (int i = 0; i < OnceLogger.MAX_DISTINCT + 10; i++) {
            log.warn("reason " + i);
        }

        assertThat(warnings).hasSize(OnceLogger.MAX_DISTINCT);
        assertThat(warnings.get(OnceLogger.MAX_DISTINCT - 1)).contains("further distinct TLS warnings are not logged");
    }
}
