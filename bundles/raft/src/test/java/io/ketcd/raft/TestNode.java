package io.ketcd.raft;

import com.google.protobuf.ByteString;
import io.ketcd.api.raft.MemoryStorage;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.Ready;
import io.ketcd.api.raft.ReadState;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A RawNode with its MemoryStorage and a trivial driver: {@link #drain()} handles one Ready as
 * the server would (persist, collect messages, apply, including conf changes, advance).
 */
final class TestNode {

    final RawNode node;
    final MemoryStorage storage;
    /** Every committed entry handed out for applying, in order. */
    final List<Entry> applied = new ArrayList<>();
    final List<ReadState> readStates = new ArrayList<>();
    ConfState confState;

    TestNode(RaftNodeConfig config, MemoryStorage storage) {
        this.storage = storage;
        this.node = new RawNode(config, storage);
        this.confState = storage.initialState().confState();
    }

    /**
     * Test settings, etcd's defaults but for: no message size limit, no pre-vote nor check-quorum
     * (the paper's plain raft), and randomness seeded with the id.
     */
    static RaftNodeConfig.Builder settings(long id) {
        return RaftNodeConfig.builder(id).maxSizePerMsg(Long.MAX_VALUE).checkQuorum(false).preVote(false)
                .random(new SplittableRandom(id));
    }

    static RaftNodeConfig config(long id) {
        return settings(id).build();
    }

    static TestNode create(long id, long... voters) {
        return create(id, c -> { }, voters);
    }

    static TestNode create(long id, Consumer<RaftNodeConfig.Builder> tweak, long... voters) {
        RaftNodeConfig.Builder settings = settings(id);
        tweak.accept(settings);
        return new TestNode(settings.build(), MemoryStorage.withVoters(voters));
    }

    /** A node at {@code term} whose log holds entries of the given terms at indexes 1, 2, ... */
    static TestNode withLog(long id, long term, long[] entryTerms, long... voters) {
        MemoryStorage ms = MemoryStorage.withVoters(voters);
        ms.append(entries(1, entryTerms));
        ms.setHardState(HardState.newBuilder().setTerm(term).build());
        return new TestNode(config(id), ms);
    }

    static List<Entry> entries(long firstIndex, long... terms) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            out.add(Entry.newBuilder().setIndex(firstIndex + i).setTerm(terms[i]).build());
        }
        return out;
    }

    Raft raft() {
        return node.raft();
    }

    long id() {
        return raft().id;
    }

    /** Handles every pending Ready; returns the messages to send. */
    List<Message> drain() {
        List<Message> out = new ArrayList<>();
        while (node.hasReady()) {
            Ready rd = node.ready();
            if (rd.snapshot() != null) {
                storage.applySnapshot(rd.snapshot());
                confState = rd.snapshot().getMetadata().getConfState();
            }
            storage.append(rd.entries());
            if (rd.hardState() != null) {
                storage.setHardState(rd.hardState());
            }
            out.addAll(rd.messages());
            readStates.addAll(rd.readStates());
            for (Entry e : rd.committedEntries()) {
                applied.add(e);
                if (e.getType() == EntryType.EntryConfChange) {
                    confState = node.applyConfChange(Raft.decodeConfChange(e));
                }
            }
            node.advance(rd);
        }
        return out;
    }

    /** The payloads of applied normal entries, as strings (empty leader entries skipped). */
    List<String> appliedData() {
        List<String> out = new ArrayList<>();
        for (Entry e : applied) {
            if (e.getType() == EntryType.EntryNormal && !e.getData().isEmpty()) {
                out.add(e.getData().toStringUtf8());
            }
        }
        return out;
    }

    void propose(String data) {
        node.propose(ByteString.copyFromUtf8(data));
    }
}
