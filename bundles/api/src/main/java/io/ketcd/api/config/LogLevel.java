package io.ketcd.api.config;

import java.util.Locale;

/**
 * etcd's {@code log-level} flag: {@code debug}, {@code info} (the default), {@code warn},
 * {@code error}, {@code panic} or {@code fatal}, and the level of ketcd's loggers ({@code io.ketcd})
 * each stands for. A ketcd member never panics or exits on a log call: {@code panic} and {@code
 * fatal} log errors only, as the closest level that keeps the member running.
 */
public enum LogLevel {
    DEBUG("DEBUG"),
    INFO("INFO"),
    WARN("WARN"),
    ERROR("ERROR"),
    PANIC("ERROR"),
    FATAL("ERROR");

    /** The flag. */
    public static final String FLAG = "log-level";
    /** etcd's default. */
    public static final String DEFAULT = "info";

    private final String loggerLevel;

    LogLevel(String loggerLevel) {
        this.loggerLevel = loggerLevel;
    }

    /**
     * The level the flag names, in lower case as etcd 3.4 requires ({@code DEBUG} is unknown to it too).
     *
     * @throws IllegalArgumentException with etcd's text, {@code unknown level "x"}, for anything else
     */
    public static LogLevel parse(String flag) {
        for (LogLevel l : values()) {
            if (l.flag().equals(flag)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown level \"" + flag + "\"");
    }

    /** The flag's spelling, e.g. {@code debug}. */
    public String flag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The logging backend's level for ketcd's loggers (log4j's and Karaf's {@code log:set} names). */
    public String loggerLevel() {
        return loggerLevel;
    }
}
