package io.ketcd.bench;

import java.util.Locale;

/** What one workload prints: a line for people, then one line of JSON; any error makes the exit status 1. */
interface Result {
    String human();

    String json();

    long errorCount();

    /**
     * A workload that could not run at all (say, the server does not serve the service): still one
     * line of each kind, so a batch goes on and a script reading JSON lines by position stays in step.
     */
    record Failed(String workload, String reason) implements Result {
        @Override
        public String human() {
            return workload + ": failed: " + reason.replace('\n', ' '); // one line, just before its JSON line
        }

        @Override
        public String json() {
            return String.format(Locale.ROOT, "{\"workload\":\"%s\",\"ok\":0,\"errors\":1,\"failed\":\"%s\"}", workload,
                    reason.replace("\\", "\\\\").replace("\"", "\\\"").replace('\n', ' '));
        }

        @Override
        public long errorCount() {
            return 1;
        }
    }
}
