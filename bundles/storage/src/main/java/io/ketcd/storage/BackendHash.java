package io.ketcd.storage;

import io.ketcd.storage.internal.BackendDump;

import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;

/**
 * etcd's backend hash ({@code backend.Hash} with mvcc's default ignores): a CRC-32C over every
 * bucket's name and then its keys and values, buckets by name and keys in order, leaving out
 * {@code meta}'s {@code consistent_index} (it differs between members that hold the same data).
 * Members that applied the same log agree on it, as etcd's Maintenance/Hash promises; the number
 * itself is ketcd's, since its buckets are not bbolt's.
 */
public final class BackendHash {
    private static final byte[] CONSISTENT_INDEX = "consistent_index".getBytes(StandardCharsets.UTF_8);

    private BackendHash() {
    }

    /** The hash of {@code snapshot}'s data; its dump is read through a pipe from a thread of its own. */
    public static int of(BackendSnapshot snapshot) throws IOException {
        PipedInputStream in = new PipedInputStream(1 << 16);
        PipedOutputStream out = new PipedOutputStream(in);
        CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
            try (out) {
                snapshot.writeTo(out);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, task -> new Thread(task, "ketcd-backend-hash").start());
        try (in) {
            return of(in);
        } finally {
            // a writer that failed left the dump short, which of(in) reports; nothing to add here
            written.handle((done, failure) -> null).join();
        }
    }

    /** The hash of the dump {@code dump}, read to its end. */
    public static int of(InputStream dump) throws IOException {
        CRC32C crc = new CRC32C();
        String[] bucket = {""};
        BackendDump.read(dump, new BucketSink() {
            @Override
            public void bucket(String name) {
                bucket[0] = name;
                crc.update(name.getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public void entry(byte[] key, byte[] value) {
                if (bucket[0].equals(MvStoreBackend.META_BUCKET) && Arrays.equals(key, CONSISTENT_INDEX)) {
                    return;
                }
                crc.update(key);
                crc.update(value);
            }
        });
        return (int) crc.getValue();
    }
}
