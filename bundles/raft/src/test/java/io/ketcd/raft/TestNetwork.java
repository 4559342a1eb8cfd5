package io.ketcd.raft;

import io.ketcd.api.raft.ProposalDroppedException;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/**
 * A tiny in-test network: nodes by id, delivering messages in FIFO order until quiescent.
 * Messages to or from an isolated node, and those matching {@link #drop}, are lost. (The
 * seeded simulation with partitions, reordering and crashes lives in the {@code sim} package.)
 */
final class TestNetwork {

    final Map<Long, TestNode> nodes = new TreeMap<>();
    private final Set<Long> isolated = new TreeSet<>();
    Predicate<Message> drop = m -> false;
    /** Every message delivered (or dropped), for assertions. */
    final List<Message> trace = new ArrayList<>();
    private final Deque<Message> inFlight = new ArrayDeque<>();

    static TestNetwork of(int n) {
        return of(n, id -> TestNode.create(id, ids(n)));
    }

    /** {@code n} voters whose configs are adjusted by {@code tweak}. */
    static TestNetwork configured(int n, Consumer<RaftNodeConfig.Builder> tweak) {
        return of(n, id -> TestNode.create(id, tweak, ids(n)));
    }

    static TestNetwork of(int n, LongFunction<TestNode> factory) {
        TestNetwork net = new TestNetwork();
        for (long id = 1; id <= n; id++) {
            net.nodes.put(id, factory.apply(id));
        }
        return net;
    }

    static long[] ids(int n) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i + 1;
        }
        return ids;
    }

    TestNode node(long id) {
        return nodes.get(id);
    }

    void isolate(long id) {
        isolated.add(id);
    }

    void heal() {
        isolated.clear();
        drop = m -> false;
    }

    /** Campaigns on {@code id} and delivers until quiescent. */
    void elect(long id) {
        node(id).node.campaign();
        stabilize();
    }

    /** Collects ready messages from every node and delivers until nothing is left. */
    void stabilize() {
        for (int rounds = 0; rounds < 100_000; rounds++) {
            for (TestNode n : nodes.values()) {
                inFlight.addAll(n.drain());
            }
            if (inFlight.isEmpty()) {
                return;
            }
            while (!inFlight.isEmpty()) {
                deliver(inFlight.poll());
            }
        }
        throw new AssertionError("network did not quiesce");
    }

    /** Delivers {@code m} now (unless lost) and then stabilizes. */
    void send(Message m) {
        deliver(m);
        stabilize();
    }

    private void deliver(Message m) {
        trace.add(m);
        TestNode to = nodes.get(m.getTo());
        if (to == null || isolated.contains(m.getTo()) || isolated.contains(m.getFrom()) || drop.test(m)) {
            return;
        }
        try {
            to.node.step(m);
        } catch (ProposalDroppedException e) {
            // as over a real transport: the forwarded proposal is lost
        }
    }

    void tickAll(int ticks) {
        for (int i = 0; i < ticks; i++) {
            for (TestNode n : nodes.values()) {
                n.node.tick();
            }
            stabilize();
        }
    }

    /** The single node that is leader at the highest term, or null. */
    TestNode leader() {
        TestNode best = null;
        for (TestNode n : nodes.values()) {
            if (n.raft().role == RaftRole.LEADER && (best == null || n.raft().term > best.raft().term)) {
                best = n;
            }
        }
        return best;
    }

    List<Message> traced(MessageType type) {
        return trace.stream().filter(m -> m.getType() == type).toList();
    }
}
