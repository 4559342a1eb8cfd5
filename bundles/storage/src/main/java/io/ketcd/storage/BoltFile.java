package io.ketcd.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a bbolt database file, the format of etcd's backend and of the snapshots
 * {@code etcdctl snapshot save} writes, so that an etcd backup can become a ketcd backend.
 * Read-only, and only what a reader needs: the newest valid meta page, and the B+tree of the
 * root bucket and of each bucket under it, walked in key order.
 *
 * <p>The layout (bbolt's page.go, node.go, bucket.go, db.go; little-endian throughout): the file
 * is a sequence of pages of the size meta page 0 gives. Each page starts with a 16-byte header
 * (id u64, flags u16, count u16, overflow u32); a page and its {@code overflow} following pages
 * form one. Pages 0 and 1 are meta pages: magic {@value #MAGIC_HEX}, version 2, page size, flags,
 * the root bucket (root page u64, sequence u64), freelist page, high-water page id, txid, and a
 * FNV-1a 64 checksum of the fields before it; the valid one with the higher txid is current.
 * Branch pages hold {@code count} elements (pos u32, ksize u32, child page u64), leaf pages
 * {@code count} elements (flags u32, pos u32, ksize u32, vsize u32), where {@code pos} counts
 * from the element itself. A leaf element with flag 1 is a bucket: its value is the bucket's
 * header (root page u64, sequence u64), followed, when the root is 0, by the bucket's only page
 * inline.
 *
 * <p>Everything read is checked against the file (page ids in range, elements inside their
 * page, the page kind expected), so a damaged file fails with {@link SnapshotCorruptException}
 * rather than with an arbitrary exception or a loop.
 */
public final class BoltFile implements Closeable {
    private static final int MAGIC = 0xED0CDAED;
    private static final String MAGIC_HEX = "0xED0CDAED";
    private static final int VERSION = 2;
    private static final int PAGE_HEADER = 16;
    private static final int ELEMENT = 16;
    private static final int BUCKET_HEADER = 16;
    private static final int BRANCH = 0x01;
    private static final int LEAF = 0x02;
    private static final int META = 0x04;
    private static final int BUCKET_LEAF_FLAG = 0x01;
    /** Deeper than any tree a file of 2^63 bytes can hold: a deeper walk is following a cycle. */
    private static final int MAX_DEPTH = 64;

    private final Path file;
    private final FileChannel channel;
    private final int pageSize;
    private final long rootPage;
    private final long highWaterPage;

    private BoltFile(Path file, FileChannel channel, int pageSize, long rootPage, long highWaterPage) {
        this.file = file;
        this.channel = channel;
        this.pageSize = pageSize;
        this.rootPage = rootPage;
        this.highWaterPage = highWaterPage;
    }

    /** True if {@code head}, the first bytes of a file, start a bbolt meta page. */
    public static boolean isBolt(byte[] head) {
        return head.length >= PAGE_HEADER + 8
                && ByteBuffer.wrap(head, PAGE_HEADER, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() == MAGIC;
    }

    /**
     * Opens the first {@code length} bytes of {@code file} (a snapshot's data, without its hash)
     * as a bbolt database at its newest valid meta page.
     *
     * @throws SnapshotCorruptException if neither meta page is valid or they point outside the data
     */
    public static BoltFile open(Path file, long length) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            ByteBuffer first = read(channel, file, 0, Math.min(length, 4096));
            int pageSize = first.limit() >= PAGE_HEADER + 12 ? first.getInt(PAGE_HEADER + 8) : 0;
            if (pageSize < 1024 || pageSize > (1 << 16) || Integer.bitCount(pageSize) != 1) {
                // meta 0 may be the damaged one; bbolt then assumes the OS page size for meta 1
                pageSize = 4096;
            }
            Meta best = null;
            String why = "";
            for (int i = 0; i < 2; i++) {
                if ((long) (i + 1) * pageSize > length) {
                    why += " meta page " + i + " is past the end;";
                    continue;
                }
                ByteBuffer page = read(channel, file, (long) i * pageSize, pageSize);
                String invalid = Meta.invalid(page);
                if (invalid != null) {
                    why += " meta page " + i + ": " + invalid + ";";
                    continue;
                }
                Meta meta = Meta.of(page);
                if (best == null || Long.compareUnsigned(meta.txid, best.txid) > 0) {
                    best = meta;
                }
            }
            if (best == null) {
                throw new SnapshotCorruptException(file, "not a bbolt database:" + why);
            }
            if (best.pageSize != pageSize) {
                throw new SnapshotCorruptException(file, "meta page says page size " + best.pageSize
                        + ", meta page 0 " + pageSize);
            }
            if (best.highWater * (long) pageSize > length) {
                throw new SnapshotCorruptException(file, "cut short: the database has " + best.highWater
                        + " pages of " + pageSize + " bytes, the file " + length + " bytes");
            }
            return new BoltFile(file, channel, pageSize, best.root, best.highWater);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The database's size as bbolt reports it ({@code tx.Size()}): its pages times the page size. */
    public long size() {
        return highWaterPage * pageSize;
    }

    /**
     * Gives {@code sink} every bucket under the root, in name order, with its entries in key
     * order. A bucket inside a bucket (etcd makes none) is refused.
     */
    public void read(BucketSink sink) throws IOException {
        walk(page(rootPage), 0, (key, value, bucket) -> {
            if (!bucket) {
                throw corrupt("the root holds a key that is not a bucket: " + printable(key));
            }
            sink.bucket(new String(key, StandardCharsets.UTF_8));
            walkBucket(value, key, (k, v, nested) -> {
                if (nested) {
                    throw new SnapshotCorruptException(file, "bucket " + printable(key) + " holds a bucket "
                            + printable(k) + "; etcd's backend has none");
                }
                sink.entry(k, v);
            });
        });
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @FunctionalInterface
    private interface ElementVisitor {
        void visit(byte[] key, byte[] value, boolean bucket) throws IOException;
    }

    private void walkBucket(byte[] header, byte[] name, ElementVisitor visitor) throws IOException {
        if (header.length < BUCKET_HEADER) {
            throw corrupt("bucket " + printable(name) + " has a " + header.length + "-byte header");
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        long root = h.getLong(0);
        if (root != 0) {
            walk(page(root), 0, visitor);
            return;
        }
        ByteBuffer inline = ByteBuffer.wrap(header, BUCKET_HEADER, header.length - BUCKET_HEADER).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
        if (inline.limit() < PAGE_HEADER || (inline.getShort(8) & LEAF) == 0) {
            throw corrupt("bucket " + printable(name) + " is inline but holds no leaf page");
        }
        walk(inline, 0, visitor);
    }

    private void walk(ByteBuffer page, int depth, ElementVisitor visitor) throws IOException {
        if (depth > MAX_DEPTH) {
            throw corrupt("the tree is deeper than " + MAX_DEPTH + " levels: its pages form a cycle");
        }
        int flags = page.getShort(8) & 0xffff;
        int count = page.getShort(10) & 0xffff;
        if (PAGE_HEADER + (long) count * ELEMENT > page.limit()) {
            throw corrupt("page " + page.getLong(0) + " has more elements than fit in it");
        }
        for (int i = 0; i < count; i++) {
            int element = PAGE_HEADER + i * ELEMENT;
            if ((flags & BRANCH) != 0) {
                long child = page.getLong(element + 8);
                walk(page(child), depth + 1, visitor);
            } else if ((flags & LEAF) != 0) {
                int elementFlags = page.getInt(element);
                int pos = page.getInt(element + 4);
                int keySize = page.getInt(element + 8);
                int valueSize = page.getInt(element + 12);
                byte[] key = bytes(page, element + (long) pos, keySize);
                byte[] value = bytes(page, element + (long) pos + keySize, valueSize);
                visitor.visit(key, value, (elementFlags & BUCKET_LEAF_FLAG) != 0);
            } else {
                throw corrupt("page " + page.getLong(0) + " is in a tree but is neither a branch nor a leaf (flags "
                        + Integer.toHexString(flags) + ")");
            }
        }
    }

    private byte[] bytes(ByteBuffer page, long at, int size) throws SnapshotCorruptException {
        if (size < 0 || at < 0 || at + size > page.limit()) {
            throw corrupt("page " + page.getLong(0) + " has an element outside it");
        }
        byte[] out = new byte[size];
        page.get((int) at, out);
        return out;
    }

    /** Page {@code id} with its overflow pages, checked to be a branch or leaf page inside the file. */
    private ByteBuffer page(long id) throws IOException {
        if (id < 2 || id >= highWaterPage) {
            throw corrupt("a tree points at page " + id + ", outside pages 2 to " + (highWaterPage - 1));
        }
        long at = id * pageSize;
        ByteBuffer header = read(channel, file, at, PAGE_HEADER);
        if (header.getLong(0) != id) {
            throw corrupt("page " + id + " says it is page " + header.getLong(0));
        }
        long overflow = header.getInt(12) & 0xffffffffL;
        long size = (overflow + 1) * pageSize;
        if (id + overflow >= highWaterPage || size > Integer.MAX_VALUE) {
            throw corrupt("page " + id + " overflows past the end of the database");
        }
        ByteBuffer page = read(channel, file, at, (int) size);
        if ((page.getShort(8) & (BRANCH | LEAF)) == 0) {
            throw corrupt("a tree points at page " + id + ", which is not a branch or leaf page");
        }
        return page;
    }

    private static ByteBuffer read(FileChannel channel, Path file, long at, long size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (channel.read(buf, at + buf.position()) < 0) {
                throw new SnapshotCorruptException(file, "cut short at byte " + (at + buf.position()));
            }
        }
        return buf.flip();
    }

    private SnapshotCorruptException corrupt(String reason) {
        return new SnapshotCorruptException(file, reason);
    }

    private static String printable(byte[] key) {
        return '"' + new String(key, StandardCharsets.UTF_8) + '"';
    }

    /** A meta page's fields (bbolt's {@code meta} struct). */
    private record Meta(int pageSize, long root, long highWater, long txid) {
        private static final int AT = PAGE_HEADER;
        /** The checksum covers the fields before it, magic to txid. */
        private static final int CHECKSUMMED = 56;

        static String invalid(ByteBuffer page) {
            if ((page.getShort(8) & META) == 0) {
                return "not a meta page";
            }
            if (page.getInt(AT) != MAGIC) {
                return "no bbolt magic";
            }
            if (page.getInt(AT + 4) != VERSION) {
                return "version " + page.getInt(AT + 4) + ", not " + VERSION;
            }
            if (fnv1a64(page, AT, CHECKSUMMED) != page.getLong(AT + CHECKSUMMED)) {
                return "checksum mismatch";
            }
            return null;
        }

        static Meta of(ByteBuffer page) {
            return new Meta(page.getInt(AT + 8), page.getLong(AT + 16), page.getLong(AT + 40),
                    page.getLong(AT + 48));
        }

        private static long fnv1a64(ByteBuffer buf, int from, int length) {
            long hash = 0xcbf29ce484222325L;
            for (int i = from; i < from + length; i++) {
                hash ^= buf.get(i) & 0xff;
                hash *= 0x100000001b3L;
            }
            return hash;
        }
    }
}
