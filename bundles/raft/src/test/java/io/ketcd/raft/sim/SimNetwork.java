package io.ketcd.raft.sim;

import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A simulated network between raft nodes, after etcd-io/raft's {@code network} test helper and
 * {@code rafttest}: messages sent are held in a pending multiset and leave it one at a time, in an order
 * chosen at random (so every message is delayed by an arbitrary number of steps and messages are reordered).
 * On the way out a message may be dropped (with {@link #dropProbability()}, or because its link is cut, its
 * type ignored, or a hook refused it) or duplicated (with {@link #duplicateProbability()}: it is delivered
 * and a copy stays pending).
 *
 * <p>Every choice comes from the one {@link Random} given to the constructor, so a run is a function of its
 * seed. Partitions are decided when a message leaves the pending set, not when it is sent: a message sent
 * before a partition and delivered after it is dropped, as on a real network. Not thread-safe.
 */
final class SimNetwork {
    /** What happened to a message taken from the pending set. */
    enum Fate { DELIVER, DUPLICATE, DROP_RANDOM, DROP_CUT, DROP_IGNORED, DROP_HOOK }

    /** A message taken from the pending set, and its fate. {@code DUPLICATE} means deliver (a copy stays). */
    record Delivery(Message message, Fate fate) {
        boolean delivered() {
            return fate == Fate.DELIVER || fate == Fate.DUPLICATE;
        }
    }

    private record Link(long from, long to) {
    }

    private final Random random;
    /** Pending messages; order is irrelevant since each pick is uniform. */
    private final ArrayList<Message> pending = new ArrayList<>();
    private final Set<Link> cut = new HashSet<>();
    private final EnumSet<MessageType> ignored = EnumSet.noneOf(MessageType.class);
    private final List<Predicate<Message>> hooks = new ArrayList<>();
    private double dropProbability;
    private double duplicateProbability;

    SimNetwork(Random random) {
        this.random = random;
    }

    void send(Message m) {
        pending.add(m);
    }

    void sendAll(Collection<Message> ms) {
        pending.addAll(ms);
    }

    int pendingCount() {
        return pending.size();
    }

    /**
     * Takes one pending message chosen uniformly and decides its fate; null if nothing is pending. A
     * delivered message is the caller's to step into its destination (which may be down: that is the
     * cluster's business, not the network's).
     */
    Delivery next() {
        if (pending.isEmpty()) {
            return null;
        }
        int i = random.nextInt(pending.size());
        Message m = pending.get(i);
        // swap-remove keeps removal O(1); order does not matter
        Message last = pending.remove(pending.size() - 1);
        if (i < pending.size()) {
            pending.set(i, last);
        }
        return new Delivery(m, fate(m));
    }

    private Fate fate(Message m) {
        if (cut.contains(new Link(m.getFrom(), m.getTo()))) {
            return Fate.DROP_CUT;
        }
        if (ignored.contains(m.getType())) {
            return Fate.DROP_IGNORED;
        }
        for (Predicate<Message> hook : hooks) {
            if (!hook.test(m)) {
                return Fate.DROP_HOOK;
            }
        }
        if (dropProbability > 0 && random.nextDouble() < dropProbability) {
            return Fate.DROP_RANDOM;
        }
        if (duplicateProbability > 0 && random.nextDouble() < duplicateProbability) {
            pending.add(m);
            return Fate.DUPLICATE;
        }
        return Fate.DELIVER;
    }

    // --- faults ---------------------------------------------------------------------------------------------

    void dropProbability(double p) {
        this.dropProbability = p;
    }

    double dropProbability() {
        return dropProbability;
    }

    void duplicateProbability(double p) {
        this.duplicateProbability = p;
    }

    double duplicateProbability() {
        return duplicateProbability;
    }

    /** Cuts the one-way link from → to. */
    void cut(long from, long to) {
        cut.add(new Link(from, to));
    }

    /** Cuts both directions between a and b. */
    void cutBoth(long a, long b) {
        cut(a, b);
        cut(b, a);
    }

    /** Cuts every link between id and the others. */
    void isolate(long id, Collection<Long> others) {
        for (long o : others) {
            if (o != id) {
                cutBoth(id, o);
            }
        }
    }

    /** Cuts every link between the two sides (both directions). */
    void partition(Collection<Long> sideA, Collection<Long> sideB) {
        for (long a : sideA) {
            for (long b : sideB) {
                cutBoth(a, b);
            }
        }
    }

    boolean isCut(long from, long to) {
        return cut.contains(new Link(from, to));
    }

    boolean partitioned() {
        return !cut.isEmpty();
    }

    /** Restores every link (ignored types and hooks stay). */
    void heal() {
        cut.clear();
    }

    void ignore(MessageType type) {
        ignored.add(type);
    }

    void recover(MessageType type) {
        ignored.remove(type);
    }

    /** Adds a hook; a message is delivered only if every hook returns true. */
    void hook(Predicate<Message> deliverIf) {
        hooks.add(deliverIf);
    }

    void clearHooks() {
        hooks.clear();
        ignored.clear();
    }

    String describeCuts() {
        if (cut.isEmpty()) {
            return "none";
        }
        List<String> s = new ArrayList<>();
        for (Link l : cut) {
            s.add(l.from + "->" + l.to);
        }
        s.sort(null);
        return String.join(",", s);
    }
}
