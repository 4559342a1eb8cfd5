package io.ketcd.server.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

import io.ketcd.api.EtcdError;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.storage.Backend;
import io.ketcd.storage.Bucket;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The cluster's members, as applied from configuration-change entries and kept in the backend's
 * {@code members} bucket (etcd keeps them in its backend too), so that a restart, or a member
 * restored from a leader's snapshot, finds them without the initial-cluster flags. Removed
 * member ids are kept for good in {@code members_removed}: etcd refuses their messages (410) and
 * never lets an id come back.
 *
 * <p>Writes come from the apply loop only, inside a backend write; reads from any thread.
 */
final class Membership {
    static final String BUCKET = "members";
    static final String REMOVED_BUCKET = "members_removed";

    private final Bucket bucket;
    private final Bucket removedBucket;
    private final Map<Long, Member> members = new ConcurrentSkipListMap<>(Long::compareUnsigned);
    private final Set<Long> removed = ConcurrentHashMap.newKeySet();

    Membership(Backend backend) {
        this.bucket = backend.bucket(BUCKET);
        this.removedBucket = backend.bucket(REMOVED_BUCKET);
        bucket.scan(new byte[0], null, (k, v) -> {
            Member m = parse(ByteString.copyFrom(v), "backend bucket " + BUCKET);
            members.put(m.getID(), m);
            return true;
        });
        removedBucket.scan(new byte[0], null, (k, v) -> {
            removed.add(ByteBuffer.wrap(k).getLong());
            return true;
        });
    }

    /** Decodes a member record, from the backend or from a configuration change's context. */
    static Member parse(ByteString record, String source) {
        try {
            return Member.parseFrom(record);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt member record in " + source, e);
        }
    }

    /**
     * etcd's ValidateConfigurationChange: whether {@code cc} may be applied to the membership as
     * it is now. Decided at apply time, from the log alone, so every member decides alike.
     *
     * @return null if valid, else the error the proposer gets (the entry is then applied as a no-op)
     */
    EtcdError validate(ConfChange cc) {
        long id = cc.getNodeId();
        if (id == 0 || removed.contains(id)) {
            return EtcdError.MEMBER_NOT_FOUND; // etcd: ErrIDRemoved
        }
        Member existing = members.get(id);
        switch (cc.getType()) {
            case ConfChangeAddNode, ConfChangeAddLearnerNode -> {
                Member proposed;
                try {
                    proposed = Member.parseFrom(cc.getContext());
                } catch (InvalidProtocolBufferException e) {
                    // only a bad peer proposes this; every member refuses it alike
                    return EtcdError.MEMBER_BAD_URLS;
                }
                if (proposed.getID() != id || proposed.getPeerURLsCount() == 0) {
                    return EtcdError.MEMBER_BAD_URLS;
                }
                if (existing != null) {
                    boolean promotion = cc.getType() == io.ketcd.proto.raftpb.ConfChangeType.ConfChangeAddNode
                            && existing.getIsLearner();
                    return promotion ? null : EtcdError.MEMBER_EXIST;
                }
                Set<String> urls = new HashSet<>(proposed.getPeerURLsList());
                for (Member m : members.values()) {
                    for (String u : m.getPeerURLsList()) {
                        if (urls.contains(u)) {
                            return EtcdError.PEER_URL_EXIST;
                        }
                    }
                }
                return null;
            }
            case ConfChangeRemoveNode -> {
                return existing == null ? EtcdError.MEMBER_NOT_FOUND : null;
            }
            case ConfChangeUpdateNode -> {
                if (existing == null) {
                    return EtcdError.MEMBER_NOT_FOUND;
                }
                try {
                    Member.parseFrom(cc.getContext());
                    return null;
                } catch (InvalidProtocolBufferException e) {
                    return EtcdError.MEMBER_BAD_URLS;
                }
            }
            default -> {
                return EtcdError.NOT_SUPPORTED; // not proposed by ketcd or etcd 3.4 (joint consensus)
            }
        }
    }

    /** Applies a change that {@link #validate} accepted; call inside a backend write. */
    void apply(ConfChange cc) {
        long id = cc.getNodeId();
        switch (cc.getType()) {
            case ConfChangeAddNode, ConfChangeAddLearnerNode -> {
                Member existing = members.get(id);
                if (existing != null) {
                    put(existing.toBuilder().setIsLearner(false).build()); // promotion
                } else {
                    put(parse(cc.getContext(), "a configuration change"));
                }
            }
            case ConfChangeRemoveNode -> {
                bucket.delete(key(id));
                members.remove(id);
                removedBucket.put(key(id), new byte[] {1});
                removed.add(id);
            }
            case ConfChangeUpdateNode -> {
                Member update = parse(cc.getContext(), "a configuration change");
                Member existing = members.get(id);
                put(existing.toBuilder().clearPeerURLs().addAllPeerURLs(update.getPeerURLsList()).build());
            }
            default -> throw new IllegalStateException("unsupported configuration change " + cc.getType());
        }
    }

    /** Records the name and client URLs a member published; unknown members are ignored. */
    void setAttributes(Member attributes) {
        Member existing = members.get(attributes.getID());
        if (existing != null) {
            put(existing.toBuilder().setName(attributes.getName()).clearClientURLs()
                    .addAllClientURLs(attributes.getClientURLsList()).build());
        }
    }

    /** Adds or replaces a member; call from the apply loop inside a backend write. */
    void put(Member member) {
        bucket.put(key(member.getID()), member.toByteArray());
        members.put(member.getID(), member);
    }

    /** Members ordered by id; an unmodifiable snapshot. */
    List<Member> list() {
        return Collections.unmodifiableList(new ArrayList<>(members.values()));
    }

    Member get(long id) {
        return members.get(id);
    }

    boolean isRemoved(long id) {
        return removed.contains(id);
    }

    /** raft's view of these members: who votes and who learns. */
    ConfState confState() {
        ConfState.Builder b = ConfState.newBuilder();
        for (Member m : members.values()) {
            if (m.getIsLearner()) {
                b.addLearners(m.getID());
            } else {
                b.addVoters(m.getID());
            }
        }
        return b.build();
    }

    private static byte[] key(long id) {
        return ByteBuffer.allocate(8).putLong(id).array();
    }
}
