package io.ketcd.shell.internal;

import com.google.protobuf.ByteString;
import io.ketcd.api.KeyRanges;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Option;

/**
 * The {@code <key> [<range_end>]} arguments with {@code --prefix} and {@code --from-key}, shared
 * by {@code etcd:get} and {@code etcd:del}, turned into a range as etcdctl (clientv3) does:
 * <ul>
 * <li>{@code --prefix k}: {@code [k, k with its last byte below 0xff incremented and the bytes after it dropped)};
 *     a key of only 0xff bytes has no such end and reads to the end ({@code "\0"});
 * <li>{@code --prefix ""} and {@code --from-key ""}: every key, {@code ["\0", "\0")};
 * <li>{@code --from-key k}: {@code [k, "\0")}, every key from k on.
 * </ul>
 */
abstract class KeyRangeCommand extends KvCommand {
    /** clientv3's {@code noPrefixEnd}: as a range end, "to the end of the keyspace". */
    static final ByteString ALL = KeyRanges.ALL;

    @Argument(index = 0, name = "key", description = "The key, or the first key of the range", required = true)
    String key;

    @Argument(index = 1, name = "range_end", description = "The end of the range [key, range_end)", required = false)
    String rangeEnd;

    @Option(name = "--prefix", description = "Keys with the given prefix")
    boolean prefix;

    @Option(name = "--from-key", description = "Keys greater than or equal to the given key, by byte compare")
    boolean fromKey;

    /** A request's {@code key} and {@code range_end} (empty: the single key). */
    record KeyRange(ByteString key, ByteString end) {
    }

    /** @throws IllegalArgumentException with etcdctl's message, for option combinations it refuses */
    KeyRange keyRange() {
        if (prefix && fromKey) {
            throw new IllegalArgumentException("`--prefix` and `--from-key` cannot be set at the same time, choose one");
        }
        if (rangeEnd != null && (prefix || fromKey)) {
            throw new IllegalArgumentException("too many arguments, only accept one argument when `--prefix` or `--from-key` is set");
        }
        ByteString k = ByteString.copyFromUtf8(key);
        if (prefix || fromKey) {
            if (k.isEmpty()) {
                return new KeyRange(ALL, ALL);
            }
            return new KeyRange(k, prefix ? KeyRanges.prefixEnd(k) : ALL);
        }
        return new KeyRange(k, rangeEnd == null ? ByteString.EMPTY : ByteString.copyFromUtf8(rangeEnd));
    }
}
