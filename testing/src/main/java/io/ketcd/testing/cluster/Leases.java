package io.ketcd.testing.cluster;

import static io.ketcd.testing.cluster.Members.bytes;

import io.ketcd.api.service.LeaseService;
import io.ketcd.proto.etcdserverpb.LeaseGrantRequest;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketcd.proto.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.testing.Await;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** What lease scenarios ask of members through their Lease and KV facets, retrying while a leader is elected, as clients do. */
public final class Leases {
    private static final long CALL_SECONDS = 10;

    private Leases() {
    }

    /** Grants a lease of {@code ttl} seconds through {@code member}; its id. */
    public static long grant(TestMember member, long ttl) {
        return Await.value("a lease granted through " + member.name(), Members.BOUND, () -> {
            try {
                return Optional.of(member.lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build())
                        .get(CALL_SECONDS, TimeUnit.SECONDS).getID());
            } catch (Exception e) {
                return Optional.empty();
            }
        });
    }

    /** Puts {@code key} attached to {@code lease} through {@code member}. */
    public static void putWithLease(TestMember member, String key, long lease) {
        Await.until("a put of " + key + " with a lease", Members.BOUND, () -> Members.succeeds(member.kv().put(
                PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes("v")).setLease(lease).build())));
    }

    /** The lease's time-to-live as {@code lease} answers it (the leader's, forwarded by a follower). */
    public static LeaseTimeToLiveResponse timeToLive(LeaseService lease, long id) throws Exception {
        return lease.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(true).build())
                .get(CALL_SECONDS, TimeUnit.SECONDS);
    }

    /** The lease's remaining TTL once some member of {@code members} can tell it (a leader is known). */
    public static long remainingTtl(List<TestMember> members, long id) {
        return Await.value("the TTL of lease " + id, Members.BOUND, () -> {
            for (TestMember m : members) {
                try {
                    return Optional.of(timeToLive(m.lease(), id).getTTL());
                } catch (Exception e) {
                    // no leader yet: ask again
                }
            }
            return Optional.empty();
        });
    }
}
