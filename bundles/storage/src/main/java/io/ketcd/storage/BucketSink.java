package io.ketcd.storage;

import java.io.IOException;

/**
 * Receives a backend's contents bucket by bucket, in order: what a dump is read into, and what
 * a new backend file is built from ({@link MvStoreBackend#build}).
 */
public interface BucketSink {

    /** A new bucket starts; the entries up to the next bucket belong to it. */
    void bucket(String name) throws IOException;

    /** One key/value pair of the current bucket; keys arrive strictly ascending (unsigned). */
    void entry(byte[] key, byte[] value) throws IOException;
}
