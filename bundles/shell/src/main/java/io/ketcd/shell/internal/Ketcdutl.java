package io.ketcd.shell.internal;

import io.ketcd.server.SnapshotTool;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ketcdutl}, etcdutl's snapshot commands with its command shape: {@code snapshot status
 * FILE [-w simple|table|json]} and {@code snapshot restore FILE [--data-dir D] [--name N]
 * [--initial-cluster C] [--initial-cluster-token T] [--initial-advertise-peer-urls U]
 * [--skip-hash-check]}. {@link #main} is {@code bin/ketcdutl}; the {@code ketcdutl:snapshot}
 * shell command calls {@link #status} and {@link #restore} with options Karaf parsed. Output and
 * errors read as etcdctl 3.4's: its status line, table and JSON, and {@code Error: <reason>}
 * with exit status 1.
 */
public final class Ketcdutl {
    /** The restore flags, by etcd's names. */
    static final Set<String> RESTORE_FLAGS = Set.of("data-dir", "name", "initial-cluster", "initial-cluster-token",
            "initial-advertise-peer-urls");
    private static final String USAGE = "Usage:\n"
            + "  ketcdutl snapshot status <filename> [-w simple|table|json]\n"
            + "  ketcdutl snapshot restore <filename> [--data-dir DIR] [--name NAME] [--initial-cluster CLUSTER]\n"
            + "      [--initial-cluster-token TOKEN] [--initial-advertise-peer-urls URLS] [--skip-hash-check]\n";

    private Ketcdutl() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Runs one command line; returns the exit status. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        try {
            if (args.size() < 2 || !args.get(0).equals("snapshot")
                    || !Set.of("status", "restore").contains(args.get(1))) {
                err.print(USAGE);
                return 2;
            }
            Map<String, String> flags = new LinkedHashMap<>();
            List<String> positional = new ArrayList<>();
            boolean skipHashCheck = false;
            for (int i = 2; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--skip-hash-check") || a.equals("--skip-hash-check=true")) {
                    skipHashCheck = true;
                } else if (a.startsWith("-")) {
                    String name = a.replaceFirst("^--?", "");
                    String value;
                    int eq = name.indexOf('=');
                    if (eq >= 0) {
                        value = name.substring(eq + 1);
                        name = name.substring(0, eq);
                    } else if (i + 1 < args.size()) {
                        value = args.get(++i);
                    } else {
                        throw new IllegalArgumentException("flag needs an argument: " + a);
                    }
                    flags.put(name.equals("w") ? "write-out" : name, value);
                } else {
                    positional.add(a);
                }
            }
            if (positional.size() != 1) {
                throw new IllegalArgumentException("snapshot " + args.get(1) + " requires exactly one argument");
            }
            Path file = Path.of(positional.get(0));
            if (args.get(1).equals("status")) {
                String writeOut = flags.remove("write-out");
                checkKnown(flags, Set.of());
                status(file, writeOut == null ? "simple" : writeOut, out);
            } else {
                checkKnown(flags, RESTORE_FLAGS);
                restore(file, flags, skipHashCheck);
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("Error: " + e.getMessage());
            return 1;
        }
    }

    private static void checkKnown(Map<String, String> flags, Set<String> known) {
        for (String name : flags.keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown flag: --" + name);
            }
        }
    }

    /** Prints the status of {@code file} as etcdctl's {@code -w} {@code writeOut} does. */
    static void status(Path file, String writeOut, PrintStream out) throws IOException {
        if (!Set.of("simple", "table", "json").contains(writeOut)) {
            throw new IllegalArgumentException("unknown output format \"" + writeOut + "\" (simple, table or json)");
        }
        SnapshotTool.Status s = SnapshotTool.status(file);
        String hash = String.format("%x", s.hash());
        List<String> row = List.of(hash, Long.toString(s.revision()), Long.toString(s.totalKeys()),
                HumanBytes.format(s.totalSize()));
        switch (writeOut) {
            case "json" -> out.println("{\"hash\":" + s.hash() + ",\"revision\":" + s.revision() + ",\"totalKey\":"
                    + s.totalKeys() + ",\"totalSize\":" + s.totalSize() + "}");
            case "table" -> out.print(table(List.of("HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE"), row));
            default -> out.println(String.join(", ", row));
        }
    }

    /** Restores {@code file} into a new data directory; {@code flags} by etcd's names. */
    static void restore(Path file, Map<String, String> flags, boolean skipHashCheck) throws IOException {
        SnapshotTool.restore(file, flags, skipHashCheck);
    }

    /**
     * etcdctl's table (olekukonko/tablewriter as etcdctl sets it up): headers centred, cells
     * right-aligned, one space of padding, {@code +-|} borders.
     */
    static String table(List<String> headers, List<String> row) {
        StringBuilder border = new StringBuilder("+");
        StringBuilder head = new StringBuilder("|");
        StringBuilder cells = new StringBuilder("|");
        for (int i = 0; i < headers.size(); i++) {
            String h = headers.get(i);
            String c = row.get(i);
            int width = Math.max(h.length(), c.length());
            border.append("-".repeat(width + 2)).append('+');
            int gap = width - h.length();
            head.append(' ').append(" ".repeat(gap / 2)).append(h).append(" ".repeat(gap - gap / 2)).append(" |");
            cells.append(' ').append(" ".repeat(width - c.length())).append(c).append(" |");
        }
        return border + "\n" + head + "\n" + border + "\n" + cells + "\n" + border + "\n";
    }
}
