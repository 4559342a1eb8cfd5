package io.ketcd.raft.bench;

import com.google.protobuf.ByteString;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.api.raft.Ready;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.api.raft.MemoryStorage;
import io.ketcd.raft.RawNode;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Throughput of the raft core alone (issue 3): committed entries per second for a 3-node group
 * in one process and one thread, with a simulated network. This is a {@code main} class, not a
 * JUnit test, so it never runs in the build.
 *
 * <p>Setup: three {@link RawNode}s with {@link RaftNodeConfig#builder} defaults (election 10 ticks,
 * heartbeat 1, 1 MiB per message, 256 in flight, check-quorum and pre-vote on), each on its own
 * {@link MemoryStorage}; the network is one in-process FIFO queue that never drops, reorders or
 * delays beyond FIFO. Node 1 campaigns and is elected before measuring.
 *
 * <p>One round: propose {@code proposalsPerRound} entries of {@code entrySize} bytes on the
 * leader, then until quiescent: for each node drain its {@link Ready}s (append
 * {@code entries} and set {@code hardState} in its MemoryStorage, queue {@code messages},
 * "apply" {@code committedEntries}, {@code advance}) and deliver every queued message with
 * {@code step}. Every {@value #TICK_EVERY_ROUNDS} rounds all nodes tick once (heartbeats), and
 * after every round a node whose storage holds more than {@value #COMPACT_THRESHOLD} applied
 * entries snapshots and compacts it up to its applied index minus {@value #KEEP_ENTRIES}, so
 * memory stays bounded (by about threshold + one round of entries per node). Only the
 * leader's applied non-empty normal entries are counted; there is no disk, no fsync, no
 * serialization of messages and no state machine, so this is an upper bound on what the core
 * can drive, not a server number. A warm-up (default 2 s, not counted) precedes the
 * measurement so the JIT has compiled the hot path.
 *
 * <p>Run, from the repository root:
 *
 * <pre>
 * mvn -q -o -f bundles/raft/pom.xml install -DskipTests   # or: test-compile
 * mvn -q -o -f bundles/raft/pom.xml dependency:build-classpath -Dmdep.outputFile=/tmp/raft.cp
 * java -cp bundles/raft/target/test-classes:bundles/raft/target/classes:$(cat /tmp/raft.cp) \
 *     io.ketcd.raft.bench.RaftCoreBench [seconds=10] [entrySizeBytes=256] [proposalsPerRound=64] [warmupSeconds=2]
 * </pre>
 *
 * <p>Output: a human-readable line with entries/s and MB/s (MB = 10^6 bytes of entry payload),
 * followed by one JSON line starting with {@code {"bench":"raft-core"}.
 */
public final class RaftCoreBench {

    static final int NODES = 3;
    static final int TICK_EVERY_ROUNDS = 16;
    /** A node's storage is compacted once it holds more than this many applied entries... */
    static final long COMPACT_THRESHOLD = 8192;
    /** ...down to its applied index minus this many (a margin for a lagging follower). */
    static final long KEEP_ENTRIES = 1024;

    private final RawNode[] nodes = new RawNode[NODES];
    private final MemoryStorage[] storages = new MemoryStorage[NODES];
    private final ConfState[] confStates = new ConfState[NODES];
    private final long[] applied = new long[NODES];
    private final ArrayDeque<Message> queue = new ArrayDeque<>();
    /** Non-empty normal entries applied on the current leader since the last reset. */
    private long leaderCommitted;
    private int leaderIdx = -1;
    private long messagesDelivered;

    RaftCoreBench() {
        long[] voters = new long[NODES];
        for (int i = 0; i < NODES; i++) {
            voters[i] = i + 1;
        }
        for (int i = 0; i < NODES; i++) {
            storages[i] = MemoryStorage.withVoters(voters);
            confStates[i] = storages[i].initialState().confState();
            RaftNodeConfig cfg = RaftNodeConfig.builder(i + 1).random(new SplittableRandom(i + 1)).build();
            nodes[i] = new RawNode(cfg, storages[i]);
        }
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        int entrySize = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int perRound = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        double warmup = args.length > 3 ? Double.parseDouble(args[3]) : 2;
        if (seconds <= 0 || entrySize < 1 || perRound < 1 || warmup < 0) {
            System.err.println("usage: RaftCoreBench [seconds>0] [entrySizeBytes>=1] [proposalsPerRound>=1] [warmupSeconds>=0]");
            System.exit(2);
        }

        RaftCoreBench b = new RaftCoreBench();
        b.electLeader();
        byte[] payload = new byte[entrySize];
        new SplittableRandom(42).nextBytes(payload);
        ByteString data = ByteString.copyFrom(payload);

        if (warmup > 0) {
            b.run(data, perRound, (long) (warmup * 1e9));
        }
        b.leaderCommitted = 0;
        b.messagesDelivered = 0;
        long t0 = System.nanoTime();
        long rounds = b.run(data, perRound, (long) (seconds * 1e9));
        double elapsed = (System.nanoTime() - t0) / 1e9;

        long committed = b.leaderCommitted;
        double eps = committed / elapsed;
        double mbps = eps * entrySize / 1e6;
        long maxLog = 0;
        for (MemoryStorage s : b.storages) {
            maxLog = Math.max(maxLog, s.lastIndex() - s.firstIndex() + 1);
        }
        System.out.printf(Locale.ROOT,
                "raft core, 3 nodes, 1 thread: %d entries of %d B committed in %.2f s (%d rounds of %d proposals,"
                        + " %d messages): %.0f entries/s, %.2f MB/s; max retained log %d entries%n",
                committed, entrySize, elapsed, rounds, perRound, b.messagesDelivered, eps, mbps, maxLog);
        System.out.printf(Locale.ROOT,
                "{\"bench\":\"raft-core\",\"nodes\":%d,\"seconds\":%.3f,\"entrySize\":%d,\"proposalsPerRound\":%d,"
                        + "\"rounds\":%d,\"committed\":%d,\"messages\":%d,\"entriesPerSec\":%.1f,\"mbPerSec\":%.3f,"
                        + "\"leaderId\":%d,\"lastIndex\":%d}%n",
                NODES, elapsed, entrySize, perRound, rounds, committed, b.messagesDelivered, eps, mbps,
                b.leaderIdx + 1, b.storages[b.leaderIdx].lastIndex());
    }

    private void electLeader() {
        nodes[0].campaign();
        stabilize();
        for (int i = 0; i < NODES; i++) {
            if (nodes[i].status().role() == RaftRole.LEADER) {
                leaderIdx = i;
            }
        }
        if (leaderIdx < 0) {
            throw new IllegalStateException("no leader elected");
        }
    }

    /** Runs rounds for {@code nanos}; returns the number of rounds. */
    private long run(ByteString data, int perRound, long nanos) {
        long deadline = System.nanoTime() + nanos;
        long rounds = 0;
        RawNode leader = nodes[leaderIdx];
        while (System.nanoTime() < deadline) {
            for (int p = 0; p < perRound; p++) {
                leader.propose(data);
            }
            stabilize();
            rounds++;
            if (rounds % TICK_EVERY_ROUNDS == 0) {
                for (RawNode n : nodes) {
                    n.tick();
                }
                stabilize();
                if (leader.status().role() != RaftRole.LEADER) {
                    throw new IllegalStateException("leader " + (leaderIdx + 1) + " lost leadership");
                }
            }
            compact();
        }
        // let the last round finish so no proposal is left in flight between phases
        stabilize();
        return rounds;
    }

    /** Drains every node's Ready and delivers all messages, FIFO, until nothing is left. */
    private void stabilize() {
        while (true) {
            for (int i = 0; i < NODES; i++) {
                drain(i);
            }
            if (queue.isEmpty()) {
                return;
            }
            Message m;
            while ((m = queue.poll()) != null) {
                nodes[(int) m.getTo() - 1].step(m);
                messagesDelivered++;
            }
        }
    }

    private void drain(int i) {
        RawNode n = nodes[i];
        MemoryStorage s = storages[i];
        while (n.hasReady()) {
            Ready rd = n.ready();
            if (rd.snapshot() != null) {
                s.applySnapshot(rd.snapshot());
                confStates[i] = rd.snapshot().getMetadata().getConfState();
                applied[i] = rd.snapshot().getMetadata().getIndex();
            }
            s.append(rd.entries());
            if (rd.hardState() != null) {
                s.setHardState(rd.hardState());
            }
            queue.addAll(rd.messages());
            for (Entry e : rd.committedEntries()) {
                if (e.getType() == EntryType.EntryNormal) {
                    if (i == leaderIdx && !e.getData().isEmpty()) {
                        leaderCommitted++;
                    }
                } else {
                    throw new IllegalStateException("unexpected entry type " + e.getType());
                }
                applied[i] = e.getIndex();
            }
            n.advance(rd);
        }
    }

    /**
     * For each storage holding more than {@link #COMPACT_THRESHOLD} applied entries: snapshots
     * and compacts it up to its applied index minus {@link #KEEP_ENTRIES}.
     */
    private void compact() {
        for (int i = 0; i < NODES; i++) {
            long to = applied[i] - KEEP_ENTRIES;
            if (applied[i] - storages[i].firstIndex() > COMPACT_THRESHOLD) {
                storages[i].createSnapshot(to, confStates[i], ByteString.EMPTY);
                storages[i].compact(to);
            }
        }
    }
}
