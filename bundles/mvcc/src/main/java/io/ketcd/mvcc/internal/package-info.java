/**
 * Private to the mvcc bundle: revisions and their encoding, the key index (generations,
 * compaction), the views reads and writes go through, the request semantics and the physical
 * compaction. See {@code bundles/mvcc/design.md}.
 */
package io.ketcd.mvcc.internal;
