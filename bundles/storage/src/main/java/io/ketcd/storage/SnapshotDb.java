package io.ketcd.storage;

import io.ketcd.storage.internal.BackendDump;
import java.io.BufferedInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A backup of a backend as etcd's {@code Maintenance/Snapshot} streams one and {@code etcdctl
 * snapshot save} stores it: the data, then the SHA-256 of all of it (32 bytes), with the data a
 * whole number of 512-byte blocks, which is how etcdctl recognises that the hash is there. For
 * etcd the data is the bbolt file; for ketcd it is the backend dump ({@link
 * BackendSnapshot#writeTo}), then zero bytes, then the dump's length (8 bytes, big-endian) ending
 * the last block, so a reader finds the dump's end without guessing where the zeros start.
 */
public final class SnapshotDb {
    /** etcd's {@code sha256.Size}: the hash that ends the file. */
    public static final int HASH_BYTES = 32;
    /** etcdctl checks {@code size % 512 == 32}. */
    static final int BLOCK = 512;

    private SnapshotDb() {
    }

    /** The size of {@code snapshot}'s backup in bytes: one pass over the data, nothing written. */
    public static long size(BackendSnapshot snapshot) throws IOException {
        CountingStream counter = new CountingStream(OutputStream.nullOutputStream());
        snapshot.writeTo(counter);
        return paddedLength(counter.count) + HASH_BYTES;
    }

    /** Writes {@code snapshot}'s backup to {@code out}: {@link #size} bytes, the hash last. */
    public static void write(BackendSnapshot snapshot, OutputStream out) throws IOException {
        MessageDigest sha = sha256();
        CountingStream data = new CountingStream(new DigestingStream(out, sha));
        snapshot.writeTo(data);
        long dumpLength = data.count;
        byte[] tail = new byte[(int) (paddedLength(dumpLength) - dumpLength)];
        ByteBuffer.wrap(tail, tail.length - Long.BYTES, Long.BYTES).putLong(dumpLength);
        data.write(tail);
        out.write(sha.digest());
        out.flush();
    }

    /** The dump, the zeros and the 8-byte length: a whole number of blocks. */
    private static long paddedLength(long dumpLength) {
        long withLength = dumpLength + Long.BYTES;
        return (withLength + BLOCK - 1) / BLOCK * BLOCK;
    }

    /** What a snapshot file holds. */
    public enum Format {
        /** A ketcd backend dump, as ketcd's Maintenance/Snapshot streams it. */
        KETCD_DUMP,
        /** A bbolt database, as etcd's does. */
        BBOLT
    }

    /**
     * A snapshot file whose hash checked out: its format, how many bytes of it are data (the
     * rest is the hash), and for a dump, the dump's length.
     */
    public record Verified(Path file, Format format, long dataLength, long dumpLength, boolean hashed) {
    }

    /**
     * Checks {@code file}: its size and its trailing sha256 (read once, all of it, before
     * anything else of it is trusted), then what it holds. Without a hash, a bbolt file is
     * accepted only if {@code skipHashCheck} (etcd's {@code --skip-hash-check}, for a copy of a
     * member's {@code snap/db}).
     *
     * @throws SnapshotCorruptException if the file is neither kind of snapshot or is damaged
     */
    public static Verified verify(Path file, boolean skipHashCheck) throws IOException {
        long size = Files.size(file);
        byte[] head = new byte[64];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.read(ByteBuffer.wrap(head), 0);
        }
        boolean bolt = BoltFile.isBolt(head);
        if (size < BLOCK + HASH_BYTES || size % BLOCK != HASH_BYTES) {
            if (bolt && skipHashCheck) {
                return new Verified(file, Format.BBOLT, size, 0, false);
            }
            throw new SnapshotCorruptException(file, "snapshot missing hash but --skip-hash-check=false ("
                    + size + " bytes is not a whole number of 512-byte blocks followed by a 32-byte sha256)");
        }
        long dataLength = size - HASH_BYTES;
        MessageDigest sha = sha256();
        byte[] stored = new byte[HASH_BYTES];
        byte[] lengthBytes = new byte[Long.BYTES];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            long at = 0;
            while (at < dataLength) {
                buf.clear().limit((int) Math.min(buf.capacity(), dataLength - at));
                int n = ch.read(buf, at);
                if (n < 0) {
                    throw new SnapshotCorruptException(file, "cut short at byte " + at);
                }
                sha.update(buf.array(), 0, n);
                at += n;
            }
            readFully(ch, ByteBuffer.wrap(stored), dataLength, file);
            readFully(ch, ByteBuffer.wrap(lengthBytes), dataLength - Long.BYTES, file);
        }
        byte[] computed = sha.digest();
        if (!Arrays.equals(computed, stored)) {
            throw new SnapshotCorruptException(file, "expected sha256 " + HexFormat.of().formatHex(stored)
                    + ", got " + HexFormat.of().formatHex(computed) + ": the file was changed or damaged");
        }
        if (bolt) {
            return new Verified(file, Format.BBOLT, dataLength, 0, true);
        }
        long dumpLength = ByteBuffer.wrap(lengthBytes).getLong();
        if (dumpLength <= 0 || paddedLength(dumpLength) != dataLength) {
            throw new SnapshotCorruptException(file, "neither a ketcd snapshot (its data does not end with a dump"
                    + " length) nor an etcd one (it does not start with a bbolt meta page)");
        }
        return new Verified(file, Format.KETCD_DUMP, dataLength, dumpLength, true);
    }

    /**
     * Checks the ketcd backup file {@code file} ({@link #verify}), then calls {@code reader}
     * with a stream of exactly the dump.
     *
     * @throws SnapshotCorruptException if the file is not such a backup or is damaged
     */
    public static <T> T readDump(Path file, DumpReader<T> reader) throws IOException {
        Verified verified = verify(file, false);
        if (verified.format() != Format.KETCD_DUMP) {
            throw new SnapshotCorruptException(file, "an etcd snapshot (bbolt), not a ketcd one");
        }
        return readDump(verified, reader);
    }

    /** Calls {@code reader} with a stream of exactly the dump of a verified ketcd backup. */
    public static <T> T readDump(Verified verified, DumpReader<T> reader) throws IOException {
        if (verified.format() != Format.KETCD_DUMP) {
            throw new IllegalArgumentException(verified.file() + " holds no ketcd dump");
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(verified.file()), 1 << 16)) {
            return reader.read(new BoundedStream(in, verified.dumpLength()));
        }
    }

    /**
     * Gives {@code sink} every bucket of a verified snapshot, in name order, each with its
     * entries in key order, whichever format it is in. A damaged dump or bbolt tree found on the
     * way fails with {@link BackendDumpCorruptException} or {@link SnapshotCorruptException}.
     */
    public static void read(Verified verified, BucketSink sink) throws IOException {
        if (verified.format() == Format.BBOLT) {
            try (BoltFile bolt = BoltFile.open(verified.file(), verified.dataLength())) {
                bolt.read(sink);
            }
        } else {
            readDump(verified, dump -> BackendDump.read(dump, sink));
        }
    }

    /**
     * The size of the database a verified snapshot holds: bbolt's own size for an etcd
     * snapshot, the dump's length for a ketcd one.
     */
    public static long databaseSize(Verified verified) throws IOException {
        if (verified.format() == Format.BBOLT) {
            try (BoltFile bolt = BoltFile.open(verified.file(), verified.dataLength())) {
                return bolt.size();
            }
        }
        return verified.dumpLength();
    }

    /** Reads a dump: {@link MvStoreBackend#restore}, or a scan of its records. */
    @FunctionalInterface
    public interface DumpReader<T> {
        T read(InputStream dump) throws IOException;
    }

    private static void readFully(FileChannel ch, ByteBuffer into, long at, Path file) throws IOException {
        while (into.hasRemaining()) {
            if (ch.read(into, at + into.position()) < 0) {
                throw new SnapshotCorruptException(file, "cut short");
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    private static final class DigestingStream extends FilterOutputStream {
        private final MessageDigest digest;

        DigestingStream(OutputStream out, MessageDigest digest) {
            super(out);
            this.digest = digest;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            digest.update((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            digest.update(b, off, len);
        }

        @Override
        public void flush() {
            // the caller flushes the underlying stream once, at the end
        }
    }

    /** The first {@code limit} bytes of a stream, then its end. */
    private static final class BoundedStream extends InputStream {
        private final InputStream in;
        private long left;

        BoundedStream(InputStream in, long limit) {
            this.in = in;
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
