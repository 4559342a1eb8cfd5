package io.ketcd.storage;

/**
 * An ordered map of byte keys to byte values inside a {@link Backend}. Keys compare as unsigned
 * bytes, lexicographically (as bbolt does). Arrays passed in are not retained mutably by the
 * caller afterwards; arrays returned must not be modified.
 */
public interface Bucket {

    /** The value for {@code key}, or null. */
    byte[] get(byte[] key);

    void put(byte[] key, byte[] value);

    void delete(byte[] key);

    /**
     * Visits entries with keys in {@code [from, to)} in ascending key order; {@code to == null}
     * means up to the last key. The visitor returns false to stop early.
     */
    void scan(byte[] from, byte[] to, Visitor visitor);

    /** Number of keys in the bucket. */
    long size();

    @FunctionalInterface
    interface Visitor {
        boolean visit(byte[] key, byte[] value);
    }
}
