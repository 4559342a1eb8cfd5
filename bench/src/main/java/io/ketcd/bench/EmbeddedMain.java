package io.ketcd.bench;

import io.ketcd.embedded.EmbeddedEtcd;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -cp ketcd-bench.jar io.ketcd.bench.EmbeddedMain --data-dir D --listen-client-urls U ...}:
 * one ketcd member from the embedded launcher (no OSGi), with etcd's flags, until the process is
 * stopped. {@code compare.sh} uses it when the Karaf distribution is not built.
 */
public final class EmbeddedMain {
    private EmbeddedMain() {
    }

    public static void main(String[] args) throws Exception {
        Set<String> known = EmbeddedEtcd.KEYS;
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("flags are --name value or --name=value, got " + arg);
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown flag --" + name + "; known: " + known);
            }
            if (eq < 0 && i + 1 == args.length) {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            flags.put(name, eq < 0 ? args[++i] : arg.substring(eq + 1));
        }
        EmbeddedEtcd etcd = EmbeddedEtcd.start(flags);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            etcd.close();
            stopped.countDown();
        }, "ketcd-shutdown"));
        System.out.println("ketcd (embedded) serving gRPC on " + etcd.grpcEndpoint() + ", HTTP on " + etcd.httpEndpoint());
        stopped.await();
    }
}
