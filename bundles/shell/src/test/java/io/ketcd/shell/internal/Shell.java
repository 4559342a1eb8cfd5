package io.ketcd.shell.internal;

import io.ketcd.api.service.ClusterService;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.MaintenanceService;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.karaf.shell.impl.action.command.DefaultActionPreparator;

/**
 * Runs a command as Karaf would: Karaf's own preparator parses the command line into the
 * action's {@code @Argument}/{@code @Option} fields, then {@code execute()} prints into a buffer.
 */
final class Shell {
    private Shell() {
    }

    /** The output of {@code command} with {@code args}, as bytes decoded as UTF-8. */
    static String run(KvCommand command, KvService kv, Object... args) throws Exception {
        command.kv = kv;
        return run(command, args);
    }

    static String run(StatusCommand command, MaintenanceService maintenance, ClusterService cluster, Object... args)
            throws Exception {
        command.maintenance = maintenance;
        command.cluster = cluster;
        return run(command, args);
    }

    static String run(EtcdCommand command, Object... args) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        command.out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        if (!new DefaultActionPreparator().prepare(command, null, List.of(args))) {
            throw new AssertionError("Karaf did not accept the arguments " + List.of(args));
        }
        command.execute();
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
