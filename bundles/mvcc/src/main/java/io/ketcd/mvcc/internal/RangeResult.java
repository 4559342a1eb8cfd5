package io.ketcd.mvcc.internal;

import io.ketcd.proto.mvccpb.KeyValue;
import java.util.List;

/**
 * What a range over the store found (etcd's {@code RangeResult}).
 *
 * @param kvs the key-values read, in key order; at most the limit asked for, none for a count
 * @param count how many keys matched, whatever the limit
 * @param rev the revision of the view the range was served from (the response's revision)
 */
public record RangeResult(List<KeyValue> kvs, long count, long rev) {
}
