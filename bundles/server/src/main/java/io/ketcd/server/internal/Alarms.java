package io.ketcd.server.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.ketcd.proto.etcdserverpb.AlarmMember;
import io.ketcd.proto.etcdserverpb.AlarmType;
import io.ketcd.storage.Backend;
import io.ketcd.storage.Bucket;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's active alarms (etcd's {@code AlarmStore}): each an {@link AlarmMember}, kept as
 * its serialized bytes in the backend's {@value #BUCKET} bucket, as etcd keeps it, so they survive
 * a restart and travel with a snapshot. Changed only by the apply loop, inside its backend write;
 * read from any thread.
 */
final class Alarms {
    static final String BUCKET = "alarm";
    private static final Logger LOG = LoggerFactory.getLogger(Alarms.class);
    private static final Comparator<AlarmMember> ORDER = Comparator.comparingInt(AlarmMember::getAlarmValue)
            .thenComparing(AlarmMember::getMemberID, Long::compareUnsigned);

    private final Bucket bucket;
    private final Set<AlarmMember> active = ConcurrentHashMap.newKeySet();

    Alarms(Backend backend) {
        this.bucket = backend.bucket(BUCKET);
        bucket.scan(new byte[0], null, (key, value) -> {
            try {
                active.add(AlarmMember.parseFrom(key));
            } catch (InvalidProtocolBufferException e) {
                LOG.error("skipped an alarm that does not decode in bucket {}: {}", BUCKET, e.getMessage());
            }
            return true;
        });
    }

    /** The active alarms of {@code type}, every alarm for {@code NONE}, by type and member. */
    List<AlarmMember> get(AlarmType type) {
        return active.stream().filter(a -> type == AlarmType.NONE || a.getAlarm() == type).sorted(ORDER).toList();
    }

    /** Whether any member has an alarm of {@code type} raised. */
    boolean raised(AlarmType type) {
        return active.stream().anyMatch(a -> a.getAlarm() == type);
    }

    /** Raises {@code type} for {@code member}; inside the apply loop's backend write. */
    AlarmMember activate(long member, AlarmType type) {
        AlarmMember alarm = AlarmMember.newBuilder().setMemberID(member).setAlarm(type).build();
        if (active.add(alarm)) {
            bucket.put(alarm.toByteArray(), new byte[0]);
        }
        return alarm;
    }

    /** Clears {@code type} for {@code member}: the alarm cleared, or null when it was not raised. */
    AlarmMember deactivate(long member, AlarmType type) {
        AlarmMember alarm = AlarmMember.newBuilder().setMemberID(member).setAlarm(type).build();
        if (!active.remove(alarm)) {
            return null;
        }
        bucket.delete(alarm.toByteArray());
        return alarm;
    }

    /** etcd's text for an alarm in Status's errors and etcdctl's alarm list: its proto text form. */
    static String text(AlarmMember alarm) {
        return "memberID:" + Long.toUnsignedString(alarm.getMemberID()) + " alarm:" + alarm.getAlarm().name() + " ";
    }
}
