package io.ketcd.server;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The configuration of members m1, m2 and m3 of one cluster on {@link InMemoryNetwork}, with fast raft timing. */
final class InMemoryMembers {
    static final String CLUSTER = "m1=http://m1:2380,m2=http://m2:2380,m3=http://m3:2380";

    private InMemoryMembers() {
    }

    /** Member {@code name}'s configuration with its data under {@code dir}, then {@code extra}. */
    static ServerConfig config(Path dir, String name, Map<String, String> extra) {
        Map<String, String> cfg = new HashMap<>(Map.of(
                "name", name,
                "data-dir", dir.resolve(name).toString(),
                "initial-cluster", CLUSTER,
                "initial-advertise-peer-urls", "http://" + name + ":2380",
                "listen-peer-urls", "http://" + name + ":2380",
                "advertise-client-urls", "http://" + name + ":2379",
                "heartbeat-interval", "20",
                "election-timeout", "200"));
        cfg.putAll(extra);
        return ServerConfig.from(cfg, Map.of());
    }
}
