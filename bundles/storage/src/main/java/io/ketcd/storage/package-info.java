/**
 * Durable storage of a ketcd member, used by mvcc and the server.
 *
 * <h2>Backend</h2>
 *
 * {@link io.ketcd.storage.Backend} is the key-value store under mvcc (etcd's bbolt backend);
 * {@link io.ketcd.storage.MvStoreBackend} implements it on one H2 MVStore file. Each bucket is an
 * MVMap named after the bucket, with {@code byte[]} keys ordered unsigned-lexicographically and
 * {@code byte[]} values. Writes reach the file in batches (every 100 ms or 10,000 write sections
 * by default, see {@link io.ketcd.storage.BackendOptions}); each batch is one atomic MVStore
 * version followed by an fsync. Bucket {@code meta} key {@code consistent_index} holds the index
 * of the last applied raft entry as 8 bytes big-endian, committed in the same batch as that
 * entry's effects.
 */
@Export
@Version("0.1.0")
package io.ketcd.storage;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
