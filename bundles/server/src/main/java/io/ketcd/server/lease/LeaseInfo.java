package io.ketcd.server.lease;

import com.google.protobuf.ByteString;

import java.util.List;

/**
 * What a lessor tells of one lease at one moment.
 *
 * @param grantedTtl the TTL granted, in seconds
 * @param remainingSeconds the time left, in whole seconds truncated as etcd's {@code
 *     int64(Remaining().Seconds())}: negative for an expired lease not yet revoked, and about
 *     9.2e9 on a member that is not the primary lessor (no expiry there)
 * @param keys the attached keys in bytewise order, empty unless asked for; unmodifiable
 */
public record LeaseInfo(long id, long grantedTtl, long remainingSeconds, List<ByteString> keys) {
    public LeaseInfo {
        keys = List.copyOf(keys);
    }
}
