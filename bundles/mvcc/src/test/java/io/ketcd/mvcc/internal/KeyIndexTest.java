package io.ketcd.mvcc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyIndexTest {

    private static final String G1 = "{2.0 v3 [2.0, 4.0, 6.0]}";
    private static final String G2 = "{8.0 v3 [8.0, 10.0, 12.0]}";
    private static final String G3 = "{14.0 v3 [14.0, 14.1, 16.0]}";
    private static final String EMPTY = "{0.0 v0 []}";

    /** etcd's test key: put(2) put(4) tomb(6) put(8) put(10) tomb(12) put(14) put(14.1) tomb(16). */
    private static KeyIndex testKeyIndex() {
        KeyIndex ki = new KeyIndex(ByteString.copyFromUtf8("foo"));
        ki.put(2, 0);
        ki.put(4, 0);
        ki.tombstone(6, 0);
        ki.put(8, 0);
        ki.put(10, 0);
        ki.tombstone(12, 0);
        ki.put(14, 0);
        ki.put(14, 1);
        ki.tombstone(16, 0);
        return ki;
    }

    @Test
    void putStartsAGenerationAndCountsVersions() {
        KeyIndex ki = new KeyIndex(ByteString.copyFromUtf8("foo"));
        ki.put(5, 0);
        ki.put(7, 2);
        assertThat(ki.get(7)).isEqualTo(new KeyIndex.Found(new Revision(7, 2), new Revision(5, 0), 2));
        assertThat(ki.get(6)).isEqualTo(new KeyIndex.Found(new Revision(5, 0), new Revision(5, 0), 1));
        assertThat(ki.get(4)).isNull();
        assertThat(ki.modified()).isEqualTo(new Revision(7, 2));
    }

    @Test
    void putMustMoveForward() {
        KeyIndex ki = new KeyIndex(ByteString.copyFromUtf8("foo"));
        ki.put(5, 1);
        assertThatThrownBy(() -> ki.put(5, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ki.put(5, 0)).isInstanceOf(IllegalStateException.class);
        ki.put(5, 2);
    }

    @Test
    void tombstoneEndsTheGenerationOnlyIfTheKeyExists() {
        KeyIndex ki = new KeyIndex(ByteString.copyFromUtf8("foo"));
        ki.put(5, 0);
        assertThat(ki.tombstone(7, 0)).isTrue();
        assertThat(ki.toString()).isEqualTo("foo: {5.0 v2 [5.0, 7.0]} " + EMPTY);
        assertThat(ki.tombstone(8, 0)).as("already deleted").isFalse();
        assertThat(ki.toString()).isEqualTo("foo: {5.0 v2 [5.0, 7.0]} " + EMPTY);
        ki.put(9, 0);
        assertThat(ki.get(9)).isEqualTo(new KeyIndex.Found(new Revision(9, 0), new Revision(9, 0), 1));
    }

    @Test
    void getSeesTheGenerationAliveAtTheRevision() {
        KeyIndex ki = testKeyIndex();
        // etcd's TestKeyIndexGet, for every revision 0..17
        long[][] want = { // rev -> {modified, created, version}; null when absent
            null, null, {2, 2, 1}, {2, 2, 1}, {4, 2, 2}, {4, 2, 2}, null, null,
            {8, 8, 1}, {8, 8, 1}, {10, 8, 2}, {10, 8, 2}, null, null, {14, 14, 2}, {14, 14, 2}, null, null};
        for (int rev = 0; rev < want.length; rev++) {
            KeyIndex.Found f = ki.get(rev);
            if (want[rev] == null) {
                assertThat(f).as("rev %d", rev).isNull();
            } else {
                assertThat(f.modified().main()).as("rev %d", rev).isEqualTo(want[rev][0]);
                assertThat(f.created().main()).as("rev %d", rev).isEqualTo(want[rev][1]);
                assertThat(f.version()).as("rev %d", rev).isEqualTo(want[rev][2]);
            }
        }
        // within main revision 14 the higher sub revision wins
        assertThat(ki.get(14).modified()).isEqualTo(new Revision(14, 1));
    }

    @Test
    void sinceKeepsTheLastSubRevisionOfEachMain() {
        KeyIndex ki = testKeyIndex();
        assertThat(ki.since(0).toString()).isEqualTo("[2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.1, 16.0]");
        assertThat(ki.since(9).toString()).isEqualTo("[10.0, 12.0, 14.1, 16.0]");
        assertThat(ki.since(14).toString()).isEqualTo("[14.1, 16.0]");
        assertThat(ki.since(17)).isEmpty();
    }

    @Test
    void restoreStartsFromTheRevisionLeftByCompaction() {
        KeyIndex ki = new KeyIndex(ByteString.copyFromUtf8("foo"));
        ki.restore(new Revision(3, 0), new Revision(7, 1), 4);
        assertThat(ki.get(7)).isEqualTo(new KeyIndex.Found(new Revision(7, 1), new Revision(3, 0), 4));
        ki.put(9, 0);
        assertThat(ki.get(9).version()).isEqualTo(5);
        assertThatThrownBy(() -> ki.restore(new Revision(1, 0), new Revision(1, 0), 1))
                .isInstanceOf(IllegalStateException.class);
    }

    /** etcd's TestKeyIndexCompactAndKeep table: compact(rev) -> generations left and revisions kept. */
    private static final Object[][] COMPACTIONS = {
        {1, G1 + " " + G2 + " " + G3 + " " + EMPTY, "[]"},
        {2, G1 + " " + G2 + " " + G3 + " " + EMPTY, "[2.0]"},
        {3, G1 + " " + G2 + " " + G3 + " " + EMPTY, "[2.0]"},
        {4, "{2.0 v3 [4.0, 6.0]} " + G2 + " " + G3 + " " + EMPTY, "[4.0]"},
        {5, "{2.0 v3 [4.0, 6.0]} " + G2 + " " + G3 + " " + EMPTY, "[4.0]"},
        {6, G2 + " " + G3 + " " + EMPTY, "[]"},
        {7, G2 + " " + G3 + " " + EMPTY, "[]"},
        {8, G2 + " " + G3 + " " + EMPTY, "[8.0]"},
        {9, G2 + " " + G3 + " " + EMPTY, "[8.0]"},
        {10, "{8.0 v3 [10.0, 12.0]} " + G3 + " " + EMPTY, "[10.0]"},
        {11, "{8.0 v3 [10.0, 12.0]} " + G3 + " " + EMPTY, "[10.0]"},
        {12, G3 + " " + EMPTY, "[]"},
        {13, G3 + " " + EMPTY, "[]"},
        {14, "{14.0 v3 [14.1, 16.0]} " + EMPTY, "[14.1]"},
        {15, "{14.0 v3 [14.1, 16.0]} " + EMPTY, "[14.1]"},
        {16, EMPTY, "[]"},
    };

    @Test
    void compactAndKeepContinuously() {
        KeyIndex ki = testKeyIndex();
        for (Object[] c : COMPACTIONS) {
            checkCompaction(ki, c);
        }
        assertThat(ki.isEmpty()).isTrue();
    }

    @Test
    void compactAndKeepOnceFromScratch() {
        for (Object[] c : COMPACTIONS) {
            checkCompaction(testKeyIndex(), c);
        }
    }

    @Test
    void compactAndKeepJumping() {
        KeyIndex ki = testKeyIndex();
        for (int i = 0; i < COMPACTIONS.length; i++) {
            if ((i % 2 == 0 && i < 6) || (i % 2 == 1 && i > 6)) {
                checkCompaction(ki, COMPACTIONS[i]);
            }
        }
    }

    private static void checkCompaction(KeyIndex ki, Object[] c) {
        int rev = (Integer) c[0];
        String before = ki.toString();
        Set<Revision> kept = new HashSet<>();
        ki.keep(rev, kept);
        assertThat(ki.toString()).as("keep(%d) changes nothing", rev).isEqualTo(before);
        assertThat(sorted(kept)).as("keep(%d)", rev).isEqualTo(c[2]);
        Set<Revision> available = new HashSet<>();
        ki.compact(rev, available);
        assertThat(ki.toString()).as("compact(%d)", rev).isEqualTo("foo: " + c[1]);
        assertThat(sorted(available)).as("compact(%d) keeps", rev).isEqualTo(c[2]);
    }

    private static String sorted(Set<Revision> revs) {
        List<Revision> l = new ArrayList<>(revs);
        l.sort(null);
        return l.toString();
    }

    @Test
    void operationsOnAnEmptyKeyIndexFail() {
        KeyIndex ki = new KeyIndex(ByteString.copyFromUtf8("foo"));
        ki.put(1, 0);
        ki.tombstone(2, 0);
        ki.compact(2, new HashSet<>());
        assertThat(ki.isEmpty()).isTrue();
        assertThatThrownBy(() -> ki.get(2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ki.tombstone(3, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ki.since(1)).isInstanceOf(IllegalStateException.class);
        Set<Revision> kept = new HashSet<>();
        ki.keep(5, kept);
        assertThat(kept).isEmpty();
    }

    /**
     * Random histories against a naive model (the full list of events of the key): get at every
     * revision not compacted away, since, and the revisions compaction keeps.
     */
    @Test
    void matchesNaiveHistoryUnderRandomPutsTombstonesAndCompactions() {
        for (long seed = 1; seed <= 300; seed++) {
            Random random = new Random(seed);
            KeyIndex ki = new KeyIndex(ByteString.copyFromUtf8("k"));
            List<long[]> events = new ArrayList<>(); // {main, sub, tombstone 0/1}
            long main = 1;
            long compacted = 0;
            boolean exists = false;
            for (int step = 0; step < 60; step++) {
                main += 1 + random.nextInt(2);
                int subs = 1 + (random.nextInt(4) == 0 ? random.nextInt(3) : 0);
                for (int sub = 0; sub < subs; sub++) {
                    if (exists && random.nextInt(4) == 0) {
                        assertThat(ki.tombstone(main, sub)).isTrue();
                        events.add(new long[] {main, sub, 1});
                        exists = false;
                    } else {
                        ki.put(main, sub);
                        events.add(new long[] {main, sub, 0});
                        exists = true;
                    }
                }
                if (random.nextInt(8) == 0) {
                    long at = compacted + random.nextInt((int) (main - compacted) + 1);
                    Set<Revision> kept = new HashSet<>();
                    ki.keep(at, kept);
                    Set<Revision> available = new HashSet<>();
                    ki.compact(at, available);
                    assertThat(available).as("seed %d compact(%d)", seed, at).isEqualTo(kept)
                            .isEqualTo(naiveKeep(events, at));
                    compacted = at;
                    if (ki.isEmpty()) {
                        assertThat(naiveGet(events, main)).isNull();
                        long at2 = at;
                        assertThat(events.stream().noneMatch(e -> e[0] > at2)).isTrue();
                        ki = new KeyIndex(ByteString.copyFromUtf8("k"));
                        events.clear();
                        continue;
                    }
                }
                if (events.isEmpty()) {
                    continue;
                }
                for (long rev = compacted; rev <= main + 1; rev++) {
                    assertThat(ki.get(rev)).as("seed %d get(%d) of %s", seed, rev, ki)
                            .isEqualTo(naiveGet(events, rev));
                }
                long since = compacted + 1 + random.nextInt((int) (main - compacted) + 1);
                assertThat(ki.since(since)).as("seed %d since(%d)", seed, since).isEqualTo(naiveSince(events, since));
            }
        }
    }

    private static KeyIndex.Found naiveGet(List<long[]> events, long rev) {
        int last = -1;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i)[0] <= rev) {
                last = i;
            }
        }
        if (last < 0 || events.get(last)[2] == 1) {
            return null;
        }
        int first = last;
        while (first > 0 && events.get(first - 1)[2] == 0) {
            first--;
        }
        long[] m = events.get(last);
        long[] c = events.get(first);
        return new KeyIndex.Found(new Revision(m[0], m[1]), new Revision(c[0], c[1]), last - first + 1);
    }

    private static Set<Revision> naiveKeep(List<long[]> events, long at) {
        long[] latest = null;
        for (long[] e : events) {
            if (e[0] <= at) {
                latest = e;
            }
        }
        return latest == null || latest[2] == 1 ? Set.of() : Set.of(new Revision(latest[0], latest[1]));
    }

    private static List<Revision> naiveSince(List<long[]> events, long rev) {
        List<Revision> out = new ArrayList<>();
        for (long[] e : events) {
            if (e[0] < rev) {
                continue;
            }
            if (!out.isEmpty() && out.get(out.size() - 1).main() == e[0]) {
                out.remove(out.size() - 1);
            }
            out.add(new Revision(e[0], e[1]));
        }
        return out;
    }
}
