/**
 * etcd's multi-version key-value store: the data model and request semantics of etcd 3.4's
 * {@code mvcc} package and {@code etcdserver/apply.go}, on a {@link io.ketcd.storage.Backend}.
 *
 * <p>{@link io.ketcd.mvcc.KvStore} serves etcd's Range, Put, DeleteRange, Txn and Compaction
 * messages; {@link io.ketcd.mvcc.RequestValidator} holds the request checks etcd makes before a
 * request is proposed. Knows nothing of raft: the server passes the index of the applied entry.
 *
 * <p>{@link io.ketcd.mvcc.WatchableStore} is etcd's watchable store: it delivers the store's
 * changes to the watchers of {@link io.ketcd.mvcc.WatchStream}s in {@link io.ketcd.mvcc.WatchBatch}es,
 * each watcher from its start revision, live or caught up from history, never blocking writers.
 *
 * <h2>Backend layout (etcd's)</h2>
 * <ul>
 * <li>bucket {@code key}: one entry per revision of a key. Key: the revision, 8 bytes
 * big-endian main, {@code '_'}, 8 bytes big-endian sub, plus a trailing {@code 't'} for a
 * deletion. Value: the serialized {@code mvccpb.KeyValue} (for a deletion, the key alone).
 * <li>bucket {@code meta}: {@code scheduledCompactRev} and {@code finishedCompactRev}, each an
 * encoded revision {@code {rev, 0}}; the backend's own {@code consistent_index}.
 * </ul>
 * The in-memory index is rebuilt from bucket {@code key} when a store opens.
 */
@Export
@Version("0.1.0")
package io.ketcd.mvcc;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
