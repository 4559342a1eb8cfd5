package io.ketcd.itests;

import static io.ketcd.itests.Jetcd.await;
import static io.ketcd.itests.Jetcd.bs;
import static io.ketcd.itests.Jetcd.str;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;

/**
 * What must hold after each bad input, on every member of a cluster (or the one node): it serves a
 * linearizable write and read through a client bound to it alone, every key written before is
 * still there, all members reach the same revision and {@code endpoint hashkv} hash, and its
 * {@code data/log/karaf.log} grew by at most {@link #LINES_PER_BAD_REQUEST} lines per bad
 * request, none with a raw control character. Keys go below {@link #PREFIX}; the cases write
 * nothing there.
 */
final class ServingCheck implements AutoCloseable {

    static final String PREFIX = "badinput/";
    /** "One escaped WARN line per kind of bad input and 10 s": a few lines at most, whatever the input. */
    static final int LINES_PER_BAD_REQUEST = 3;
    private static final Duration AGREEMENT_TIMEOUT = Duration.ofSeconds(60);
    /**
     * Control characters that must never reach the log from the wire (tab is the only one allowed),
     * and U+FFFD, which stands for bytes that are no UTF-8 (raw bytes from the wire, unescaped).
     */
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x08\\x0a-\\x1f\\x7f\\x80-\\x9f\\ufffd]");
    private static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");
    private static final Pattern HASH = Pattern.compile("\"hash\":(\\d+)");

    private final List<KetcdNode> members;
    private final List<Client> clients = new ArrayList<>();
    /** Everything written through {@link #assertServing}, by key: every member must hold all of it. */
    private final Map<String, String> written = new TreeMap<>();
    private final long[] logLinesBefore;
    private final List<String> report = new ArrayList<>();
    private long sentAt;
    private int round;

    ServingCheck(List<KetcdNode> members) {
        this.members = List.copyOf(members);
        this.logLinesBefore = new long[members.size()];
        members.forEach(m -> clients.add(Jetcd.connect(m)));
    }

    /** Counts each member's log lines: call before sending a case. */
    void markLogs() {
        sentAt = System.nanoTime();
        for (int i = 0; i < members.size(); i++) {
            logLinesBefore[i] = members.get(i).logLines().size();
        }
    }

    /**
     * Asserts everything of the class comment after {@code c} and returns how many lines each
     * member's log grew by since {@link #markLogs()}.
     */
    List<Integer> assertServing(BadInputCase c) throws Exception {
        round++;
        for (int i = 0; i < members.size(); i++) {
            String key = PREFIX + String.format("%04d", round) + "/" + members.get(i).name();
            String value = c.name();
            await(clients.get(i).getKVClient().put(bs(key), bs(value)));
            written.put(key, value);
            List<KeyValue> read = await(clients.get(i).getKVClient().get(bs(key))).getKvs();
            assertEquals("a linearizable read through " + members.get(i).name() + " after: " + c, value,
                    read.isEmpty() ? null : str(read.get(0).getValue()));
        }
        for (int i = 0; i < members.size(); i++) {
            Map<String, String> held = new TreeMap<>();
            for (KeyValue kv : await(clients.get(i).getKVClient().get(bs(PREFIX),
                    GetOption.builder().isPrefix(true).build())).getKvs()) {
                held.put(str(kv.getKey()), str(kv.getValue()));
            }
            assertEquals("what " + members.get(i).name() + " holds after: " + c, written, held);
        }
        awaitAgreement(c);
        List<Integer> growth = assertLogGrowth(c);
        report.add(String.format("%-60s log lines by member %s, %d ms", c.name() + " x" + c.requests(), growth,
                (System.nanoTime() - sentAt) / 1_000_000));
        return growth;
    }

    /** One line per case checked so far: its log growth by member and how long case and checks took. */
    String report() {
        return String.join("\n", report);
    }

    /** Waits until every member reports the same revision and hash ({@code etcdctl endpoint hashkv}). */
    private void awaitAgreement(BadInputCase c) {
        List<String> last = new ArrayList<>();
        Await.until("members agreeing on revision and hash after: " + c, AGREEMENT_TIMEOUT, () -> {
            last.clear();
            for (KetcdNode m : members) {
                Exec.Result r = m.etcdctl(null, "endpoint", "hashkv", "-w", "json");
                if (r.exitCode() != 0) {
                    last.add(m.name() + ": " + r);
                    return false;
                }
                last.add(group(REVISION, r.stdout()) + "/" + group(HASH, r.stdout()));
            }
            return last.stream().distinct().count() == 1;
        }, () -> "revision/hash by member: " + last + "\n" + diagnostics());
    }

    private List<Integer> assertLogGrowth(BadInputCase c) {
        List<Integer> growth = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            List<String> lines = members.get(i).logLines();
            List<String> added = lines.subList((int) Math.min(logLinesBefore[i], lines.size()), lines.size());
            growth.add(added.size());
            int budget = LINES_PER_BAD_REQUEST * c.requests();
            assertTrue(members.get(i).name() + "'s log grew by " + added.size() + " lines (at most " + budget + ") after: "
                    + c + "\n" + String.join("\n", added.subList(0, Math.min(40, added.size()))), added.size() <= budget);
            for (String line : added) {
                Matcher control = CONTROL.matcher(line);
                assertTrue(members.get(i).name() + " logged a raw control character "
                        + (control.find() ? String.format("U+%04X", (int) control.group().charAt(0)) : "")
                        + " after: " + c + "\n" + line, !CONTROL.matcher(line).find());
            }
        }
        return growth;
    }

    private static String group(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? m.group(1) : "?";
    }

    private String diagnostics() {
        Map<String, String> byMember = new LinkedHashMap<>();
        members.forEach(m -> byMember.put(m.name(), m.diagnostics()));
        return byMember.toString();
    }

    @Override
    public void close() {
        clients.forEach(Client::close);
    }
}
