package io.ketcd.server;

import io.ketcd.api.service.BackendCopy;
import io.ketcd.storage.BackendSnapshot;
import io.ketcd.storage.SnapshotDb;

import java.io.IOException;
import java.io.OutputStream;

/** A member's backend copy in etcd's snapshot shape ({@link SnapshotDb}) for Maintenance/Snapshot. */
final class SnapshotCopy implements BackendCopy {
    private final BackendSnapshot snapshot;
    private long size = -1;

    SnapshotCopy(BackendSnapshot snapshot) {
        this.snapshot = snapshot;
    }

    @Override
    public synchronized long size() throws IOException {
        if (size < 0) {
            size = SnapshotDb.size(snapshot);
        }
        return size;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        SnapshotDb.write(snapshot, out);
    }

    @Override
    public void close() {
        snapshot.close();
    }
}
