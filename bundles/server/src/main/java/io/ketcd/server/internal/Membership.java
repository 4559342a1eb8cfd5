package io.ketcd.server.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.storage.Backend;
import io.ketcd.storage.Bucket;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The cluster's members, as applied from configuration-change entries and kept in the backend's
 * {@code members} bucket (etcd keeps them in its backend too), so that a restart restores them
 * without the initial-cluster flags.
 */
final class Membership {
    static final String BUCKET = "members";

    private final Bucket bucket;
    private final Map<Long, Member> members = new ConcurrentSkipListMap<>(Long::compareUnsigned);

    Membership(Backend backend) {
        this.bucket = backend.bucket(BUCKET);
        bucket.scan(new byte[0], null, (k, v) -> {
            Member m = parse(ByteString.copyFrom(v), "backend bucket " + BUCKET);
            members.put(m.getID(), m);
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

    private static byte[] key(long id) {
        return ByteBuffer.allocate(8).putLong(id).array();
    }
}
