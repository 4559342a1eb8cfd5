package io.ketcd.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.ketcd.api.EtcdException;
import io.ketcd.mvcc.internal.Revision;
import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.Compare;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RequestOp;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Long random sequences of requests with random options, run on a {@link KvStore} and on the
 * naive {@link EtcdModel}; every response (or error) must be equal, and so must the revisions,
 * the backend's content after compactions, and the state across reopening the store on its
 * backend. A failure names the seed and the op number; the run is deterministic per seed.
 */
class KvStoreModelTest {

    private static final int SEEDS = 50;
    private static final int OPS_PER_SEED = 5_000;
    private static final LongPredicate LEASES = lease -> lease == 1 || lease == 2;

    private static final List<ByteString> KEYS = List.of(
            b("a"), b("ab"), b("abc"), b("b"), b("bz"), ByteString.copyFrom(new byte[] {'b', 0}),
            b("c"), ByteString.copyFrom(new byte[] {0, 'x'}), ByteString.copyFrom(new byte[] {(byte) 0xff}), b("\u00ff"));
    private static final List<ByteString> VALUES = List.of(b(""), b("v1"), b("v2"), b("x"), b("\u00ff"));

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    @Test
    void everyResponseMatchesTheModel() {
        Map<String, Integer> outcomes = new TreeMap<>();
        for (long seed = 1; seed <= SEEDS; seed++) {
            new Run(seed, outcomes).run();
        }
        // the generator must have reached every outcome, or this test proves less than it claims
        assertThat(outcomes).containsKeys("EMPTY_KEY", "KEY_NOT_FOUND", "VALUE_PROVIDED", "LEASE_PROVIDED",
                "LEASE_NOT_FOUND", "DUPLICATE_KEY", "COMPACTED", "FUTURE_REV", "range", "put", "delete",
                "txn", "compact", "restart");
        assertThat(outcomes.get("txn")).as("successful txns").isGreaterThan(SEEDS * OPS_PER_SEED / 20);
        assertThat(outcomes.values().stream().mapToInt(Integer::intValue).sum() - outcomes.get("restart"))
                .isEqualTo(SEEDS * OPS_PER_SEED);
    }

    private static final class Run {
        private final long seed;
        private final Map<String, Integer> outcomes;
        private final Random random;
        private final MemoryBackend backend = new MemoryBackend();
        private final int batchLimit;
        private final EtcdModel model = new EtcdModel(LEASES);
        private KvStore store;
        private long consistentIndex;
        private int op;

        Run(long seed, Map<String, Integer> outcomes) {
            this.seed = seed;
            this.outcomes = outcomes;
            this.random = new Random(seed);
            this.batchLimit = 1 + random.nextInt(4);
            this.store = new KvStore(backend, LEASES, batchLimit);
        }

        void run() {
            for (op = 0; op < OPS_PER_SEED; op++) {
                int kind = random.nextInt(100);
                boolean withIndex = kind >= 30 && random.nextBoolean(); // ranges are not applied entries
                long index = withIndex ? ++consistentIndex : 0;
                if (kind < 30) {
                    RangeRequest r = range();
                    check(r, "range", () -> model.range(r), () -> store.range(r));
                } else if (kind < 55) {
                    PutRequest p = put();
                    check(p, "put", () -> model.put(p), () -> withIndex ? store.put(p, index) : store.put(p));
                } else if (kind < 67) {
                    DeleteRangeRequest d = delete();
                    check(d, "delete", () -> model.deleteRange(d),
                            () -> withIndex ? store.deleteRange(d, index) : store.deleteRange(d));
                } else if (kind < 97) {
                    TxnRequest t = txn(0);
                    check(t, "txn", () -> model.txn(t), () -> withIndex ? store.txn(t, index) : store.txn(t));
                } else {
                    long lo = Math.max(model.compactRev(), 0) - 1;
                    CompactionRequest c = CompactionRequest.newBuilder().setPhysical(random.nextBoolean())
                            .setRevision(lo + random.nextInt((int) (model.rev() - lo) + 2)).build();
                    check(c, "compact", () -> model.compact(c), () -> withIndex ? store.compact(c, index) : store.compact(c));
                    if (random.nextInt(4) == 0) { // a full scan each time would double the run time
                        checkBackend();
                    }
                }
                if (withIndex && backend.consistentIndex() != index) {
                    throw new AssertionError(where() + ": consistent index " + backend.consistentIndex() + ", want " + index);
                }
                if (store.currentRevision() != model.rev() || store.compactRevision() != model.compactRev()) {
                    throw new AssertionError(where() + ": revisions " + store.currentRevision() + "/"
                            + store.compactRevision() + ", want " + model.rev() + "/" + model.compactRev());
                }
                if (random.nextInt(1000) == 0) {
                    store = new KvStore(backend, LEASES, batchLimit);
                    outcomes.merge("restart", 1, Integer::sum);
                    assertThat(store.currentRevision()).as(where() + " after restart").isEqualTo(model.rev());
                    assertThat(store.compactRevision()).as(where() + " after restart").isEqualTo(model.compactRev());
                    checkHistory();
                }
                if (op % 1000 == 999) {
                    checkHistory();
                    checkBackend();
                }
            }
        }

        private String where() {
            return "seed " + seed + " op " + op;
        }

        private void check(Message request, String kind, Supplier<Message> expected, Supplier<Message> actual) {
            Object want = outcome(expected);
            Object got;
            try {
                got = outcome(actual);
            } catch (RuntimeException e) {
                throw new AssertionError(where() + ": " + TextFormat.shortDebugString(request) + " threw", e);
            }
            if (!want.equals(got)) {
                throw new AssertionError(where() + ": " + TextFormat.shortDebugString(request)
                        + "\nexpected: " + show(want) + "\nactual:   " + show(got));
            }
            outcomes.merge(want instanceof Message ? kind : want.toString(), 1, Integer::sum);
        }

        private static Object outcome(Supplier<Message> call) {
            try {
                return call.get();
            } catch (EtcdException e) {
                return e.error();
            }
        }

        private static String show(Object o) {
            return o instanceof Message m ? TextFormat.shortDebugString(m) : o.toString();
        }

        /** Every key at a few revisions between the compaction and now. */
        private void checkHistory() {
            long lo = Math.max(model.compactRev(), 1);
            for (int i = 0; i < 4; i++) {
                long at = i == 0 ? lo : lo + random.nextInt((int) (model.rev() - lo + 1));
                RangeRequest all = RangeRequest.newBuilder().setKey(ByteString.copyFrom(new byte[1]))
                        .setRangeEnd(ByteString.copyFrom(new byte[1])).setRevision(at).build();
                check(all, "history", () -> model.range(all), () -> store.range(all));
                outcomes.merge("history", -1, Integer::sum); // not a generated op
            }
        }

        /** The key bucket holds exactly what compaction must leave. */
        private void checkBackend() {
            Set<String> revisions = new HashSet<>();
            backend.bucket("key").scan(new byte[0], null, (k, v) -> {
                revisions.add(Revision.fromBytes(k) + (Revision.isTombstone(k) ? "t" : ""));
                return true;
            });
            assertThat(revisions).as(where() + " backend").isEqualTo(model.expectedBackend());
        }

        // -------------------------------------------------------------- generators

        private ByteString key() {
            return random.nextInt(100) == 0 ? ByteString.EMPTY : KEYS.get(random.nextInt(KEYS.size()));
        }

        private ByteString rangeEnd(ByteString key) {
            int r = random.nextInt(100);
            if (r < 40) {
                return ByteString.EMPTY;
            }
            if (r < 55) {
                return ByteString.copyFrom(new byte[1]);
            }
            if (r < 70) {
                return prefixEnd(key);
            }
            return KEYS.get(random.nextInt(KEYS.size()));
        }

        /** etcd's GetPrefixRangeEnd. */
        private static ByteString prefixEnd(ByteString key) {
            byte[] end = key.toByteArray();
            for (int i = end.length - 1; i >= 0; i--) {
                if (end[i] != (byte) 0xff) {
                    end[i]++;
                    return ByteString.copyFrom(end, 0, i + 1);
                }
            }
            return ByteString.copyFrom(new byte[1]);
        }

        private long revision() {
            int r = random.nextInt(100);
            if (r < 60) {
                return 0;
            }
            if (r < 70) {
                return -1 - random.nextInt(3);
            }
            long lo = Math.max(model.compactRev(), 0) - 2;
            return lo + random.nextInt((int) (model.rev() - lo) + 3);
        }

        private long lease() {
            int r = random.nextInt(100);
            return r < 80 ? 0 : r < 88 ? 1 : r < 95 ? 2 : 9;
        }

        private long upTo(long max) {
            return random.nextInt(10) == 0 ? random.nextInt((int) max + 2) : 0;
        }

        private RangeRequest range() {
            ByteString key = key();
            int order = random.nextInt(100);
            return RangeRequest.newBuilder()
                    .setKey(key)
                    .setRangeEnd(rangeEnd(key))
                    .setLimit(random.nextInt(2) == 0 ? 0 : random.nextInt(5) - 1)
                    .setRevision(revision())
                    .setSortOrderValue(order < 60 ? 0 : order < 78 ? 1 : order < 96 ? 2 : 5)
                    .setSortTargetValue(random.nextInt(10) < 6 ? 0 : 1 + random.nextInt(4))
                    .setSerializable(random.nextBoolean())
                    .setKeysOnly(random.nextInt(5) == 0)
                    .setCountOnly(random.nextInt(10) == 0)
                    .setMinModRevision(upTo(model.rev()))
                    .setMaxModRevision(upTo(model.rev()))
                    .setMinCreateRevision(upTo(model.rev()))
                    .setMaxCreateRevision(upTo(model.rev()))
                    .build();
        }

        private PutRequest put() {
            PutRequest.Builder p = PutRequest.newBuilder().setKey(key()).setValue(VALUES.get(random.nextInt(VALUES.size())))
                    .setLease(lease()).setPrevKv(random.nextInt(10) < 3);
            if (random.nextInt(10) == 0) {
                p.setIgnoreValue(true);
                if (random.nextInt(100) < 85) {
                    p.setValue(ByteString.EMPTY);
                }
            }
            if (random.nextInt(10) == 0) {
                p.setIgnoreLease(true);
                if (random.nextInt(100) < 85) {
                    p.setLease(0);
                }
            }
            return p.build();
        }

        private DeleteRangeRequest delete() {
            ByteString key = key();
            return DeleteRangeRequest.newBuilder().setKey(key).setRangeEnd(rangeEnd(key))
                    .setPrevKv(random.nextInt(10) < 4).build();
        }

        private Compare compare() {
            ByteString key = key();
            Compare.Builder c = Compare.newBuilder().setKey(key.isEmpty() && random.nextInt(10) > 0 ? KEYS.get(0) : key)
                    .setTargetValue(random.nextInt(5)).setResultValue(random.nextInt(4));
            if (random.nextInt(5) == 0) {
                c.setRangeEnd(rangeEnd(c.getKey()));
            }
            int field = random.nextInt(10) < 8 ? c.getTargetValue() : random.nextInt(5);
            long n = random.nextInt((int) model.rev() + 2);
            switch (field) {
                case 0 -> c.setVersion(random.nextInt(4));
                case 1 -> c.setCreateRevision(n);
                case 2 -> c.setModRevision(n);
                case 3 -> c.setValue(VALUES.get(random.nextInt(VALUES.size())));
                default -> c.setLease(lease());
            }
            return c.build();
        }

        private TxnRequest txn(int depth) {
            TxnRequest.Builder t = TxnRequest.newBuilder();
            for (int i = random.nextInt(4); i > 0; i--) {
                t.addCompare(compare());
            }
            for (int i = random.nextInt(4); i > 0; i--) {
                t.addSuccess(requestOp(depth));
            }
            for (int i = random.nextInt(4); i > 0; i--) {
                t.addFailure(requestOp(depth));
            }
            return t.build();
        }

        private RequestOp requestOp(int depth) {
            int r = random.nextInt(200);
            RequestOp.Builder op = RequestOp.newBuilder();
            if (r < 70) {
                op.setRequestRange(range());
            } else if (r < 130) {
                op.setRequestPut(put());
            } else if (r < 170) {
                op.setRequestDeleteRange(delete());
            } else if (r < 199 && depth < 2) {
                op.setRequestTxn(txn(depth + 1));
            } else if (r == 199) {
                return op.build(); // no request set
            } else {
                op.setRequestRange(range());
            }
            return op.build();
        }
    }
}
