package io.ketcd.server;

import io.ketcd.server.internal.MemberRestore;
import io.ketcd.storage.BucketSink;
import io.ketcd.storage.SnapshotDb;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * etcdutl's snapshot commands on snapshot files of either kind, etcd's (bbolt) and ketcd's
 * (backend dump), each checked against its sha256 before anything of it is used: the one
 * implementation behind {@code bin/ketcdutl} and the {@code ketcdutl:snapshot} shell command.
 */
public final class SnapshotTool {

    private SnapshotTool() {
    }

    /**
     * What {@code etcdctl snapshot status} reports: a CRC-32C over every bucket's name, keys
     * and values in order, the main revision of the last key in the key bucket, the number of
     * entries in all buckets, and the database's size. For an etcd snapshot these are etcd's
     * own figures for the same file.
     */
    public record Status(long hash, long revision, long totalKeys, long totalSize) {
    }

    public static Status status(Path file) throws IOException {
        SnapshotDb.Verified verified = SnapshotDb.verify(file, false);
        CRC32C crc = new CRC32C();
        long[] revisionAndKeys = new long[2];
        SnapshotDb.read(verified, new BucketSink() {
            private boolean keyBucket;

            @Override
            public void bucket(String name) {
                crc.update(name.getBytes(StandardCharsets.UTF_8));
                keyBucket = name.equals("key");
            }

            @Override
            public void entry(byte[] key, byte[] value) {
                crc.update(key);
                crc.update(value);
                if (keyBucket && key.length >= Long.BYTES) {
                    revisionAndKeys[0] = ByteBuffer.wrap(key).getLong();
                }
                revisionAndKeys[1]++;
            }
        });
        return new Status(crc.getValue(), revisionAndKeys[0], revisionAndKeys[1], SnapshotDb.databaseSize(verified));
    }

    /**
     * {@code snapshot restore}: builds a new member's data directory from {@code file}.
     * {@code flags} are etcd's, by name: {@code name}, {@code data-dir} (default
     * {@code <name>.etcd}), {@code initial-cluster}, {@code initial-cluster-token},
     * {@code initial-advertise-peer-urls}, with etcd's defaults.
     *
     * @throws IOException if the file is not a snapshot, is damaged, or the data directory exists
     * @throws IllegalArgumentException if the flags do not describe a member of the cluster
     */
    public static void restore(Path file, Map<String, String> flags, boolean skipHashCheck) throws IOException {
        ServerConfig config = ServerConfig.from(flags, Map.of());
        SnapshotDb.Verified verified = SnapshotDb.verify(file, skipHashCheck);
        MemberRestore.restore(config, verified);
    }
}
