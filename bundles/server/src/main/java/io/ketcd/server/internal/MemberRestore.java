package io.ketcd.server.internal;

import io.ketcd.server.ServerConfig;
import io.ketcd.storage.BucketSink;
import io.ketcd.storage.MvStoreBackend;
import io.ketcd.storage.SnapshotDb;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's {@code snapshot restore}: a new member's data directory, in a new cluster, from a
 * snapshot file of either format. What the snapshot knew of its old cluster is dropped (its
 * members, its cluster version, the raft position in its meta bucket); keys with their
 * revisions, versions and leases, the leases, the compaction marks, alarms and the auth store
 * are carried over as they are, in etcd's layout, which ketcd's backend shares.
 */
public final class MemberRestore {
    private static final Logger LOG = LoggerFactory.getLogger(MemberRestore.class);

    /** Buckets of the old cluster's membership; the restored member has its new cluster's. */
    private static final Set<String> OLD_CLUSTER_BUCKETS = Set.of(Membership.BUCKET, Membership.REMOVED_BUCKET, "cluster");
    /** Keys of the meta bucket that place the backend in the old cluster's raft log (term and confState: etcd 3.5). */
    private static final List<byte[]> OLD_RAFT_POSITION = List.of("consistent_index".getBytes(), "term".getBytes(),
            "confState".getBytes());

    private MemberRestore() {
    }

    /**
     * Restores {@code snapshot} (already verified) into {@code config}'s data directory, which
     * must not exist, for the member {@code config} names in the cluster it describes.
     *
     * @throws IOException if the data directory exists (etcd's {@code data-dir "..." exists}),
     *     or the snapshot turns out damaged while it is read; then nothing is left behind
     * @throws IllegalArgumentException if the cluster flags do not describe this member
     */
    public static void restore(ServerConfig config, SnapshotDb.Verified snapshot) throws IOException {
        Path dataDir = config.dataDir();
        if (Files.exists(dataDir)) {
            throw new IOException("data-dir \"" + dataDir + "\" exists");
        }
        Bootstrap boot = Bootstrap.newCluster(config);
        LOG.info("restoring snapshot {} ({}) into {} as member {} of cluster {}", snapshot.file(),
                snapshot.format(), dataDir, MemberIds.hex(boot.memberId()), MemberIds.hex(boot.clusterId()));
        try {
            DataDirectory.create(config).restore(boot, sink -> SnapshotDb.read(snapshot, new NewClusterBuckets(sink)));
        } catch (IOException | RuntimeException e) {
            deleteTree(dataDir);
            throw e;
        }
        LOG.info("restored snapshot {} into {}", snapshot.file(), dataDir);
    }

    /** Passes a snapshot's buckets on, less what belongs to the cluster it was taken in. */
    private static final class NewClusterBuckets implements BucketSink {
        private final BucketSink next;
        private boolean skipping;
        private boolean meta;

        NewClusterBuckets(BucketSink next) {
            this.next = next;
        }

        @Override
        public void bucket(String name) throws IOException {
            skipping = OLD_CLUSTER_BUCKETS.contains(name);
            meta = name.equals(MvStoreBackend.META_BUCKET);
            if (!skipping) {
                next.bucket(name);
            }
        }

        @Override
        public void entry(byte[] key, byte[] value) throws IOException {
            if (skipping || meta && OLD_RAFT_POSITION.stream().anyMatch(k -> Arrays.equals(k, key))) {
                return;
            }
            next.entry(key, value);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("could not remove the partly restored data directory {}", dir, e);
        }
    }
}
