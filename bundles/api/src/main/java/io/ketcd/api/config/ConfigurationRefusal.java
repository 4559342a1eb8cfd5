package io.ketcd.api.config;

import org.slf4j.Logger;

/**
 * How a component reading the {@code io.ketcd.server} configuration refuses an update with a
 * value it cannot take: it keeps running as configured before and logs etcd's message for the
 * value, in one line of one shape whichever component it is. The configuration itself keeps the
 * value until it is corrected; the next valid update is taken as usual.
 */
public final class ConfigurationRefusal {
    private ConfigurationRefusal() {
    }

    /**
     * @param who what keeps its configuration, e.g. "the member" or "the gRPC server"
     * @param refusal the parse error, whose message is etcd's text for the value
     */
    public static void log(Logger log, String who, IllegalArgumentException refusal) {
        log.error("configuration io.ketcd.server refused, {} keeps its running configuration: {}", who, refusal.getMessage());
    }
}
