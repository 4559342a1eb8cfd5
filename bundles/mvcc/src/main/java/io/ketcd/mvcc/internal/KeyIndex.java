package io.ketcd.mvcc.internal;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The revisions of one key (etcd's {@code keyIndex}): a list of generations, each the life of the
 * key from a creating put to the tombstone that deletes it. The last generation is the current
 * one; it is empty while the key does not exist.
 *
 * <p>Example: {@code put(1.0); put(2.0); tombstone(3.0); put(4.0); tombstone(5.0)} on "foo" gives
 * <pre>
 * generations:
 *    {empty}
 *    {4.0, 5.0(t)}
 *    {1.0, 2.0, 3.0(t)}
 * </pre>
 * Compaction at revision {@code r} removes the revisions at or below {@code r} except the largest
 * one, which still answers reads at {@code r}; a generation reduced to its tombstone is removed,
 * and a key whose generations are all gone is empty and leaves the {@link TreeIndex}:
 * <pre>
 * compact(2): {empty} {4.0, 5.0(t)} {2.0, 3.0(t)}
 * compact(4): {empty} {4.0, 5.0(t)}
 * compact(5): {empty}            -> the key is removed
 * </pre>
 *
 * <p>Not thread-safe: {@link TreeIndex} guards every key index with its lock.
 */
public final class KeyIndex {

    /** What a key was at a revision: see {@link #get}. */
    public record Found(Revision modified, Revision created, long version) {
    }

    private static final Revision ZERO = new Revision(0, 0);

    private final ByteString key;
    /** The last revision given to {@link #put} or {@link #tombstone}; puts must exceed it. */
    private Revision modified = ZERO;
    /** Oldest first; never empty once the first revision is added. */
    private final ArrayList<Generation> generations = new ArrayList<>();

    public KeyIndex(ByteString key) {
        this.key = key;
    }

    public ByteString key() {
        return key;
    }

    /** The last revision put or tombstoned. */
    public Revision modified() {
        return modified;
    }

    /**
     * Adds a put at {@code {main, sub}} to the current generation, starting it if it is empty.
     *
     * @throws IllegalStateException if the revision does not come after {@link #modified()}
     */
    public void put(long main, long sub) {
        Revision rev = new Revision(main, sub);
        if (!rev.greaterThan(modified)) {
            throw new IllegalStateException("put of " + key.toStringUtf8() + " at " + rev
                    + " not after its last modification " + modified);
        }
        if (generations.isEmpty()) {
            generations.add(new Generation());
        }
        Generation g = current();
        if (g.revs.isEmpty()) {
            g.created = rev;
        }
        g.revs.add(rev);
        g.ver++;
        modified = rev;
    }

    /**
     * Starts an empty key index from the one revision left of a key by compaction: the key was
     * created at {@code created}, last modified at {@code modified} and had {@code version}.
     *
     * @throws IllegalStateException if this key index already has revisions
     */
    public void restore(Revision created, Revision modified, long version) {
        if (!generations.isEmpty()) {
            throw new IllegalStateException("restore of non-empty key index " + key.toStringUtf8());
        }
        this.modified = modified;
        Generation g = new Generation();
        g.created = created;
        g.ver = version;
        g.revs.add(modified);
        generations.add(g);
    }

    /**
     * Ends the current generation with a tombstone at {@code {main, sub}} and starts an empty one.
     *
     * @return false, changing nothing, if the key does not exist (the current generation is
     *     empty); etcd's {@code ErrRevisionNotFound}
     * @throws IllegalStateException if the key index is empty
     */
    public boolean tombstone(long main, long sub) {
        checkNotEmpty("tombstone");
        if (current().revs.isEmpty()) {
            return false;
        }
        put(main, sub);
        generations.add(new Generation());
        return true;
    }

    /**
     * The revision of the key visible at main revision {@code atRev}, its creation and its
     * version then; null if the key did not exist at {@code atRev}.
     *
     * @throws IllegalStateException if the key index is empty
     */
    public Found get(long atRev) {
        checkNotEmpty("get");
        Generation g = findGeneration(atRev);
        if (g == null || g.revs.isEmpty()) {
            return null;
        }
        int n = g.walk(rev -> rev.main() > atRev);
        if (n == -1) {
            return null;
        }
        return new Found(g.revs.get(n), g.created, g.ver - (g.revs.size() - n - 1));
    }

    /**
     * The revisions at or after main revision {@code rev}, oldest first; of several revisions
     * with the same main revision only the one with the largest sub revision, because the others
     * were never visible outside their request. A new list.
     *
     * @throws IllegalStateException if the key index is empty
     */
    public List<Revision> since(long rev) {
        checkNotEmpty("since");
        Revision since = new Revision(rev, 0);
        int gi;
        // the generation to start from: the last one created before rev
        for (gi = generations.size() - 1; gi > 0; gi--) {
            Generation g = generations.get(gi);
            if (g.revs.isEmpty()) {
                continue;
            }
            if (since.greaterThan(g.created)) {
                break;
            }
        }
        List<Revision> revs = new ArrayList<>();
        long last = 0;
        for (; gi < generations.size(); gi++) {
            for (Revision r : generations.get(gi).revs) {
                if (since.greaterThan(r)) {
                    continue;
                }
                if (r.main() == last) {
                    revs.set(revs.size() - 1, r);
                    continue;
                }
                revs.add(r);
                last = r.main();
            }
        }
        return revs;
    }

    /**
     * Removes the revisions at or below main revision {@code atRev} except the largest one, and
     * that one too if it is a tombstone; adds the revisions that remain at or below
     * {@code atRev} (the ones the backend must keep) to {@code available}. Removes generations
     * that become empty, so the key index may become {@link #isEmpty() empty}.
     *
     * @throws IllegalStateException if the key index is empty
     */
    public void compact(long atRev, Set<Revision> available) {
        checkNotEmpty("compact");
        int[] at = doCompact(atRev, available);
        int genIdx = at[0];
        int revIndex = at[1];
        Generation g = generations.get(genIdx);
        if (!g.revs.isEmpty()) {
            if (revIndex != -1) {
                g.revs.subList(0, revIndex).clear();
            }
            // a generation left with only its tombstone is gone, tombstone included
            if (g.revs.size() == 1 && genIdx != generations.size() - 1) {
                available.remove(g.revs.get(0));
                genIdx++;
            }
        }
        generations.subList(0, genIdx).clear();
    }

    /**
     * Adds to {@code available} the revisions that {@link #compact compact(atRev)} would keep at
     * or below {@code atRev}, changing nothing.
     */
    public void keep(long atRev, Set<Revision> available) {
        if (isEmpty()) {
            return;
        }
        int[] at = doCompact(atRev, available);
        Generation g = generations.get(at[0]);
        if (!g.revs.isEmpty() && at[1] == g.revs.size() - 1 && at[0] != generations.size() - 1) {
            // the largest revision is the tombstone ending its generation
            available.remove(g.revs.get(at[1]));
        }
    }

    /**
     * Finds the generation holding the revision visible at {@code atRev} (the first one that
     * ends after it, or the current one) and, in it, the index of the largest revision at or below
     * {@code atRev} (-1 if none), which it adds to {@code available}.
     */
    private int[] doCompact(long atRev, Set<Revision> available) {
        int genIdx = 0;
        Generation g = generations.get(0);
        while (genIdx < generations.size() - 1) {
            long tomb = g.revs.get(g.revs.size() - 1).main();
            if (tomb > atRev) {
                break;
            }
            genIdx++;
            g = generations.get(genIdx);
        }
        int revIndex = g.walk(rev -> {
            if (rev.main() <= atRev) {
                available.add(rev);
                return false;
            }
            return true;
        });
        return new int[] {genIdx, revIndex};
    }

    /** True if nothing of the key is left: one generation, and it is empty. */
    public boolean isEmpty() {
        return generations.size() == 1 && generations.get(0).revs.isEmpty();
    }

    /**
     * The generation the key was in at {@code rev}, or null if the key did not exist then (before
     * its first generation, or between a tombstone and the next put).
     */
    private Generation findGeneration(long rev) {
        int lastg = generations.size() - 1;
        for (int cg = lastg; cg >= 0; cg--) {
            Generation g = generations.get(cg);
            if (g.revs.isEmpty()) {
                continue;
            }
            if (cg != lastg && g.revs.get(g.revs.size() - 1).main() <= rev) {
                return null; // the key was deleted at or before rev
            }
            if (g.revs.get(0).main() <= rev) {
                return g;
            }
        }
        return null;
    }

    private Generation current() {
        return generations.get(generations.size() - 1);
    }

    private void checkNotEmpty(String op) {
        if (isEmpty()) {
            throw new IllegalStateException(op + " on empty key index " + key.toStringUtf8());
        }
    }

    /** The generations oldest first as {@code {created ver [revs]}}; for tests and debugging. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(key.toStringUtf8()).append(':');
        for (Generation g : generations) {
            s.append(" {").append(g.created).append(" v").append(g.ver).append(' ').append(g.revs).append('}');
        }
        return s.toString();
    }

    /** The life of a key from a creating put to its tombstone (etcd's {@code generation}). */
    private static final class Generation {
        /** Version of the key at the last revision of this generation. */
        long ver;
        /** The creating put; only meaningful once {@link #revs} is not empty. */
        Revision created = ZERO;
        /** Ascending; the last one is a tombstone unless this is the current generation. */
        final ArrayList<Revision> revs = new ArrayList<>();

        /**
         * Visits the revisions newest first while {@code f} returns true; returns the index where
         * it returned false, or -1.
         */
        int walk(Predicate<Revision> f) {
            for (int i = revs.size() - 1; i >= 0; i--) {
                if (!f.test(revs.get(i))) {
                    return i;
                }
            }
            return -1;
        }
    }
}
