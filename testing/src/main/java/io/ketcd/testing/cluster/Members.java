package io.ketcd.testing.cluster;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.testing.Await;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** What cluster tests ask of members through their facets, answered the same on every kind of cluster. */
public final class Members {
    /** How long a cluster may take for anything a scenario waits for: elections on a loaded 2-core machine. */
    public static final Duration BOUND = Duration.ofSeconds(30);
    private static final long CALL_SECONDS = 10;

    private Members() {
    }

    public static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    /** The leader every member of {@code members} names, once they all name one, and it is neither 0 nor {@code notThis}. */
    public static TestMember agreedLeader(List<TestMember> members, long notThis) {
        return Await.value("a leader all of " + names(members) + " agree on", BOUND, () -> {
            List<Long> leaders = members.stream().map(m -> leaderAsSeenBy(m.maintenance())).distinct().toList();
            long lead = leaders.get(0);
            if (leaders.size() != 1 || lead == 0 || lead == notThis) {
                return Optional.empty();
            }
            return members.stream().filter(m -> m.memberId() == lead).findFirst();
        });
    }

    public static TestMember agreedLeader(List<TestMember> members) {
        return agreedLeader(members, 0);
    }

    private static long leaderAsSeenBy(MaintenanceService m) {
        try {
            return m.status().get(5, TimeUnit.SECONDS).getLeader();
        } catch (Exception e) {
            return 0;
        }
    }

    private static List<String> names(List<TestMember> members) {
        return members.stream().map(TestMember::name).toList();
    }

    /** Whether {@code f} completes normally within a call's time. */
    public static boolean succeeds(CompletableFuture<?> f) {
        try {
            f.get(CALL_SECONDS, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** The etcd error {@code f} fails with, within a bound; an assertion error if it succeeds or fails otherwise. */
    public static EtcdError errorOf(CompletableFuture<?> f) {
        try {
            f.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof EtcdException etcd) {
                return etcd.error();
            }
            throw new AssertionError("expected an etcd error", e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected the request to fail");
    }

    /** Puts through {@code kv}, retrying while a leader is elected, as clients do. */
    public static void putEventually(KvService kv, String key, String value) {
        Await.until("a put of " + key, BOUND, () -> succeeds(kv.put(PutRequest.newBuilder()
                .setKey(bytes(key)).setValue(bytes(value)).build())));
    }

    /** The value of {@code key}: a linearizable read unless {@code serializable}; null when absent. */
    public static String value(KvService kv, String key, boolean serializable) throws Exception {
        RangeResponse r = kv.range(RangeRequest.newBuilder().setKey(bytes(key)).setSerializable(serializable).build())
                .get(CALL_SECONDS, TimeUnit.SECONDS);
        return r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
    }

    /** The local value of {@code key} on {@code kv}, or null when absent or failing: for awaiting. */
    public static String localValueOrNull(KvService kv, String key) {
        try {
            return value(kv, key, true);
        } catch (Exception e) {
            return null;
        }
    }

    /** The member's revision and KV hash, or the error getting them. */
    public static String revisionAndHash(MaintenanceService m) {
        try {
            HashKVResponse h = m.hashKV(HashKVRequest.getDefaultInstance()).get(CALL_SECONDS, TimeUnit.SECONDS);
            return h.getHeader().getRevision() + "/" + h.getHash();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** Waits until every member is at one revision with one hash. */
    public static void awaitSameRevisionAndHash(List<TestMember> members) {
        Await.until("every member at the same revision with the same hash", BOUND,
                () -> members.stream().map(m -> revisionAndHash(m.maintenance())).distinct().count() == 1);
    }

    public static long appliedIndex(TestMember m) {
        try {
            return m.maintenance().status().get(CALL_SECONDS, TimeUnit.SECONDS).getRaftAppliedIndex();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The keys in {@code [from, to)} as {@code kv} holds them locally. */
    public static Set<String> localKeys(KvService kv, String from, String to) throws Exception {
        RangeResponse all = kv.range(RangeRequest.newBuilder().setKey(bytes(from)).setRangeEnd(bytes(to))
                .setKeysOnly(true).setSerializable(true).build()).get(CALL_SECONDS, TimeUnit.SECONDS);
        Set<String> out = new HashSet<>();
        all.getKvsList().forEach(kv2 -> out.add(kv2.getKey().toStringUtf8()));
        return out;
    }
}
