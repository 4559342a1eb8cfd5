package io.ketcd.shell.internal;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * {@code ketcdutl:snapshot status|restore FILE ...}: {@code bin/ketcdutl} in the shell, with the
 * same options, through the same code ({@link Ketcdutl}). Works on files only, so it needs no
 * running member; a restore writes a data directory for a member to start on later.
 */
@Service
@Command(scope = "ketcdutl", name = "snapshot", description = "Restores a snapshot file into a new member's data "
        + "directory, or prints its status (etcd's or ketcd's snapshots)")
public class KetcdutlCommand implements Action {

    @Argument(index = 0, name = "action", description = "status or restore", required = true)
    String action;

    @Argument(index = 1, name = "file", description = "the snapshot file", required = true)
    String file;

    @Option(name = "-w", aliases = "--write-out", description = "status output: simple, table or json")
    String writeOut = "simple";

    @Option(name = "--data-dir", description = "the new member's data directory (default <name>.etcd); must not exist")
    String dataDir;

    @Option(name = "--name", description = "the new member's name (default: default)")
    String name;

    @Option(name = "--initial-cluster", description = "the new cluster's members, name=peer-url,...")
    String initialCluster;

    @Option(name = "--initial-cluster-token", description = "the new cluster's token (default etcd-cluster)")
    String initialClusterToken;

    @Option(name = "--initial-advertise-peer-urls", description = "this member's peer URLs")
    String initialAdvertisePeerUrls;

    @Option(name = "--skip-hash-check", description = "accept a bbolt file without a sha256 (a copy of snap/db)")
    boolean skipHashCheck;

    @Override
    public Object execute() throws Exception {
        switch (action) {
            case "status" -> Ketcdutl.status(Path.of(file), writeOut, System.out);
            case "restore" -> {
                Map<String, String> flags = new LinkedHashMap<>();
                put(flags, "data-dir", dataDir);
                put(flags, "name", name);
                put(flags, "initial-cluster", initialCluster);
                put(flags, "initial-cluster-token", initialClusterToken);
                put(flags, "initial-advertise-peer-urls", initialAdvertisePeerUrls);
                Ketcdutl.restore(Path.of(file), flags, skipHashCheck);
                System.out.println("restored " + file + " into " + flags.getOrDefault("data-dir",
                        flags.getOrDefault("name", "default") + ".etcd"));
            }
            default -> throw new IllegalArgumentException("unknown action \"" + action + "\": status or restore");
        }
        return null;
    }

    private static void put(Map<String, String> flags, String key, String value) {
        if (value != null) {
            flags.put(key, value);
        }
    }
}
