package io.ketcd.server.internal;

import io.ketcd.api.peer.RemoteCluster;
import io.ketcd.api.raft.MemoryStorage;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Snapshot;
import io.ketcd.proto.raftpb.SnapshotMetadata;
import io.ketcd.proto.serverpb.Metadata;
import io.ketcd.proto.walpb.WalSnapshot;
import io.ketcd.server.ServerConfig;
import io.ketcd.storage.Backend;
import io.ketcd.storage.BackendDumpCorruptException;
import io.ketcd.storage.BackendOptions;
import io.ketcd.storage.MvStoreBackend;
import io.ketcd.storage.Snapshotter;
import io.ketcd.storage.Wal;
import io.ketcd.storage.WalContents;

import java.io.IOException;
import java.io.InputStream;
import java.io.StreamCorruptedException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's data directory, as etcd lays it out: {@code <data-dir>/member/wal/},
 * {@code <data-dir>/member/snap/*.snap} and {@code <data-dir>/member/snap/db}; a backend
 * received from the leader waits in {@code snap/<index>.snap.db} until its snapshot is applied.
 *
 * <p>It decides who the member is and what it starts from: recovered from the WAL, snapshot and
 * backend it holds, joined to an existing cluster, or bootstrapped as a new one.
 */
final class DataDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(DataDirectory.class);

    private final ServerConfig config;
    private final Path walDir;
    private final Path snapDir;

    /** Asks the members at some peer URLs which cluster they form, for a member joining it. */
    @FunctionalInterface
    interface ClusterLookup {
        RemoteCluster fetch(List<URI> peerUrls) throws IOException;
    }

    /** Who this member is: its id and its cluster's, as recorded in the WAL's metadata. */
    record Identity(long memberId, long clusterId) {
        byte[] metadata() {
            return Metadata.newBuilder().setNodeId(memberId).setClusterId(clusterId).build().toByteArray();
        }
    }

    /**
     * What the member starts from: its identity, the open backend and WAL, the raft log (from
     * the snapshot on), the index applied with the snapshot, and the peers it knows of.
     */
    record Opened(Identity id, Backend backend, Wal wal, Snapshotter snapshotter, MemoryStorage storage,
                  long applied, List<Member> knownPeers) {

        /** Closes the WAL and backend again, for a member that failed to start on them. */
        void close() {
            closeQuietly(wal);
            backend.close();
        }
    }

    private DataDirectory(ServerConfig config) {
        this.config = config;
        Path member = config.dataDir().resolve("member");
        this.walDir = member.resolve("wal");
        this.snapDir = member.resolve("snap");
    }

    /** The data directory of {@code config}, its directories created readable by the owner only. */
    static DataDirectory create(ServerConfig config) throws IOException {
        DataDirectory dir = new DataDirectory(config);
        createPrivateDirs(config.dataDir(), dir.walDir.getParent(), dir.walDir, dir.snapDir);
        return dir;
    }

    /**
     * Opens the backend and WAL: recovers the member they hold, or, on first start, joins the
     * cluster {@code cluster} finds (initial-cluster-state=existing) or bootstraps a new one.
     * Received backends its backend has passed are deleted. On failure nothing stays open.
     */
    Opened open(ClusterLookup cluster) throws IOException {
        Backend backend = openBackend();
        Wal wal = null;
        try {
            Snapshotter snapshotter = new Snapshotter(snapDir);
            MemoryStorage storage = new MemoryStorage();
            Identity id;
            List<Member> knownPeers;
            long applied = 0;
            if (Wal.exists(walDir)) {
                wal = Wal.open(walDir);
                Optional<Snapshot> snap = snapshotter.loadNewestAvailable(wal.validSnapshots());
                WalSnapshot from = WalSnapshot.getDefaultInstance();
                if (snap.isPresent()) {
                    long index = snap.get().getMetadata().getIndex();
                    from = WalSnapshot.newBuilder().setIndex(index).setTerm(snap.get().getMetadata().getTerm()).build();
                    if (backend.consistentIndex() < index) {
                        backend = installReceivedBackend(index, backend);
                    }
                    storage.applySnapshot(snap.get());
                    applied = index;
                }
                WalContents recovered = wal.readAll(from);
                Metadata meta = Metadata.parseFrom(recovered.metadata());
                id = new Identity(meta.getNodeId(), meta.getClusterId());
                storage.setHardState(recovered.hardState());
                storage.append(recovered.entries());
                knownPeers = new Membership(backend).list();
                LOG.info("restarting member {} in cluster {} from {} (commit index {}, snapshot index {})",
                        MemberIds.hex(id.memberId()), MemberIds.hex(id.clusterId()), config.dataDir(),
                        recovered.hardState().getCommit(), applied);
            } else if (config.initialClusterState().equals("existing")) {
                RemoteCluster remote = cluster.fetch(otherPeerUrls());
                id = joiningIdentity(remote);
                wal = Wal.create(walDir, id.metadata());
                knownPeers = remote.members();
                LOG.info("joining cluster {} as member {}", MemberIds.hex(id.clusterId()), MemberIds.hex(id.memberId()));
            } else {
                Bootstrap boot = Bootstrap.newCluster(config);
                id = new Identity(boot.memberId(), boot.clusterId());
                wal = createBootstrapWal(boot);
                storage.append(boot.entries());
                storage.setHardState(boot.hardState());
                knownPeers = boot.members();
                LOG.info("starting member {} in new cluster {} at {}", MemberIds.hex(id.memberId()),
                        MemberIds.hex(id.clusterId()), config.dataDir());
            }
            deleteStaleReceivedBackends(backend.consistentIndex());
            return new Opened(id, backend, wal, snapshotter, storage, applied, knownPeers);
        } catch (RuntimeException | IOException e) {
            closeQuietly(wal);
            backend.close();
            throw e;
        }
    }

    /**
     * Stores the backend the leader sent with the snapshot at {@code index} where it waits until
     * that snapshot is applied, and returns the configuration it holds, which the snapshot then
     * carries. A corrupt stream fails with {@link StreamCorruptedException} (the transport
     * answers it with 400, any other failure to store it with 500); nothing is left behind.
     */
    ConfState storeReceivedBackend(long index, InputStream payload) throws IOException {
        Path target = receivedBackendPath(index);
        long restored;
        try {
            restored = MvStoreBackend.restore(target, payload);
        } catch (BackendDumpCorruptException e) {
            throw (IOException) new StreamCorruptedException(e.getMessage()).initCause(e);
        }
        try {
            if (restored != index) {
                throw new IOException("the backend received with the snapshot at index " + index
                        + " is at index " + restored);
            }
            try (Backend b = openBackendFile(target)) {
                return new Membership(b).confState();
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(target);
            throw e;
        }
    }

    /** Closes {@code current} and moves the backend received with the snapshot at {@code index} in its place. */
    Backend installReceivedBackend(long index, Backend current) throws IOException {
        Path received = receivedBackendPath(index);
        if (!Files.exists(received)) {
            throw new IOException("the backend is at index " + current.consistentIndex()
                    + ", behind the snapshot at index " + index + ", and the backend received with it ("
                    + received + ") is missing");
        }
        current.close();
        Files.move(received, snapDir.resolve("db"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        return openBackend();
    }

    /**
     * Makes this new data directory a member of the new cluster {@code boot} describes, holding
     * the buckets {@code data} gives (etcd's {@code snapshot restore}): the backend with the
     * cluster's members and a consistent index at the last of its configuration entries, and
     * the WAL with those entries and a raft snapshot there, so that the member starts as a
     * restarted one and replays nothing. The backend file is built completely before the WAL
     * exists, so an interrupted restore leaves no WAL and no member that could start.
     */
    void restore(Bootstrap boot, MvStoreBackend.BucketSource data) throws IOException {
        Path db = snapDir.resolve("db");
        MvStoreBackend.build(db, data);
        long index = boot.entries().size();
        try (Backend backend = openBackendFile(db)) {
            Membership membership = new Membership(backend);
            backend.write(() -> {
                boot.members().forEach(membership::put);
                backend.setConsistentIndex(index);
                return null;
            });
            backend.commit();
        }
        Wal wal = createBootstrapWal(boot);
        try {
            Snapshot snap = Snapshot.newBuilder().setMetadata(SnapshotMetadata.newBuilder().setIndex(index).setTerm(1)
                    .setConfState(boot.confState())).build();
            wal.saveSnapshotMarker(WalSnapshot.newBuilder().setIndex(index).setTerm(1).build());
            new Snapshotter(snapDir).save(snap);
        } finally {
            wal.close();
        }
    }

    /** A new WAL holding a new cluster's configuration entries, committed at term 1 as etcd's bootstrap writes them. */
    private Wal createBootstrapWal(Bootstrap boot) throws IOException {
        Wal wal = Wal.create(walDir, new Identity(boot.memberId(), boot.clusterId()).metadata());
        wal.save(boot.hardState(), boot.entries());
        return wal;
    }

    static void closeQuietly(Wal wal) {
        if (wal == null) {
            return;
        }
        try {
            wal.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing the WAL failed", e);
        }
    }

    private Backend openBackend() throws IOException {
        return openBackendFile(snapDir.resolve("db"));
    }

    private Backend openBackendFile(Path file) throws IOException {
        return MvStoreBackend.open(file, new BackendOptions(config.backendBatchInterval(), config.backendBatchLimit()));
    }

    private Path receivedBackendPath(long index) {
        return snapDir.resolve(String.format("%016x.snap.db", index));
    }

    private void deleteStaleReceivedBackends(long applied) throws IOException {
        try (var files = Files.list(snapDir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".snap.db")).toList()) {
                String hex = p.getFileName().toString().replace(".snap.db", "");
                if (Long.parseUnsignedLong(hex, 16) <= applied) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (NumberFormatException e) {
            LOG.warn("unexpected file in {}: {}", snapDir, e.getMessage());
        }
    }

    private List<URI> otherPeerUrls() {
        List<URI> urls = new ArrayList<>();
        InitialCluster.parse(config.initialCluster()).members().forEach((name, u) -> {
            if (!name.equals(config.name())) {
                urls.addAll(u);
            }
        });
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("initial-cluster-state=existing needs the other members' peer URLs in "
                    + "--initial-cluster; it lists only " + config.name());
        }
        return urls;
    }

    /** A joining member is the one the cluster added with this member's peer URLs (etcdctl member add). */
    private Identity joiningIdentity(RemoteCluster remote) {
        Set<String> own = new HashSet<>();
        config.initialAdvertisePeerUrls().forEach(u -> own.add(u.toString()));
        for (Member m : remote.members()) {
            if (new HashSet<>(m.getPeerURLsList()).equals(own)) {
                if (!m.getName().isEmpty() && !m.getName().equals(config.name())) {
                    throw new IllegalArgumentException("member with peer URLs " + own + " is already started as "
                            + m.getName() + " in cluster " + MemberIds.hex(remote.clusterId()));
                }
                return new Identity(m.getID(), remote.clusterId());
            }
        }
        throw new IllegalArgumentException("cluster " + MemberIds.hex(remote.clusterId())
                + " has no member with peer URLs " + own + "; add it first (etcdctl member add " + config.name()
                + " --peer-urls=" + String.join(",", own) + ")");
    }

    private static void createPrivateDirs(Path... dirs) throws IOException {
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) {
                Files.createDirectories(d);
                try {
                    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: nothing to restrict
                }
            }
        }
    }
}
