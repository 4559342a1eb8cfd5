package io.ketcd.raft;

import com.google.protobuf.ByteString;
import io.ketcd.api.raft.ReadOnlyOption;
import io.ketcd.proto.raftpb.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The leader's queue of read-index requests waiting for a heartbeat round (SAFE reads).
 *
 * <p>Each request records the commit index at the time it arrived. A heartbeat carries the
 * context of the newest queued request; once a quorum acknowledges it, the leader was still
 * leader after every request queued up to that one arrived, so all of them are released
 * together. Batching: while a round is under way, newly arriving requests only queue; the next
 * round (started when the current one completes, or by the next periodic heartbeat) serves
 * them all at once.
 *
 * <p>Example: reads a, b, c arrive; a starts round A; b and c queue. Round A's quorum releases
 * a; round C starts at once and its quorum releases b and c.
 */
final class ReadOnly {

    /** One waiting request: the commit index when it arrived and the voters that acked it. */
    static final class ReadIndexStatus {
        final Message request;
        final long index;
        final Set<Long> acks = new TreeSet<>();

        ReadIndexStatus(Message request, long index) {
            this.request = request;
            this.index = index;
        }
    }

    final ReadOnlyOption option;
    /** Insertion order is the queue order. */
    private final LinkedHashMap<ByteString, ReadIndexStatus> pending = new LinkedHashMap<>();

    ReadOnly(ReadOnlyOption option) {
        this.option = option;
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    int size() {
        return pending.size();
    }

    /** Queues {@code request} (a MsgReadIndex) at commit index {@code index}; duplicates ignored. */
    void addRequest(long index, Message request) {
        ByteString ctx = request.getEntries(0).getData();
        pending.putIfAbsent(ctx, new ReadIndexStatus(request, index));
    }

    /** Records {@code from}'s ack of the round for {@code ctx}; returns the ackers, or null. */
    Set<Long> recvAck(long from, ByteString ctx) {
        ReadIndexStatus rs = pending.get(ctx);
        if (rs == null) {
            return null;
        }
        rs.acks.add(from);
        return rs.acks;
    }

    /** Releases every request queued up to and including the one of {@code ctx}, in order. */
    List<ReadIndexStatus> advance(ByteString ctx) {
        if (!pending.containsKey(ctx)) {
            return List.of();
        }
        List<ReadIndexStatus> released = new ArrayList<>();
        var it = pending.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<ByteString, ReadIndexStatus> e = it.next();
            released.add(e.getValue());
            it.remove();
            if (e.getKey().equals(ctx)) {
                break;
            }
        }
        return released;
    }

    /** The context of the newest queued request, or empty if none. */
    ByteString lastPendingRequestCtx() {
        ByteString last = ByteString.EMPTY;
        for (ByteString k : pending.keySet()) {
            last = k;
        }
        return last;
    }
}
