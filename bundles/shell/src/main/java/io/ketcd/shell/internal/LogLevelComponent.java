package io.ketcd.shell.internal;

import io.ketcd.api.config.LogLevel;
import io.ketcd.server.ServerConfig;

import java.util.Map;

import org.apache.karaf.log.core.LogService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's {@code log-level} in Karaf: the level of ketcd's loggers ({@code io.ketcd}) follows the
 * key, live, through Karaf's log service, as {@code log:set DEBUG io.ketcd} would set it (and
 * as that does, it lands in {@code etc/org.ops4j.pax.logging.cfg}). The default, {@code info},
 * changes nothing while no level was set for {@code io.ketcd}: ketcd then logs as the root
 * logger does. A configuration the member refuses (any invalid value) changes nothing here either.
 */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class LogLevelComponent {
    static final String LOGGER = "io.ketcd";
    private static final Logger LOG = LoggerFactory.getLogger(LogLevelComponent.class);

    private final LogService logs;

    @Activate
    public LogLevelComponent(Map<String, Object> properties, @Reference LogService logs) {
        this.logs = logs;
        apply(properties);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        apply(properties);
    }

    private synchronized void apply(Map<String, Object> properties) {
        LogLevel level;
        try {
            level = ServerConfig.from(properties, System.getenv()).logLevel();
        } catch (IllegalArgumentException e) {
            return; // the member refuses the configuration and logs why
        }
        String current = logs.getLevel(LOGGER).get(LOGGER);
        if (current == null ? level == LogLevel.INFO : current.equalsIgnoreCase(level.loggerLevel())) {
            return;
        }
        logs.setLevel(LOGGER, level.loggerLevel());
        LOG.info("log-level {}: ketcd's loggers ({}) log at {} from now on", level.flag(), LOGGER, level.loggerLevel());
    }
}
