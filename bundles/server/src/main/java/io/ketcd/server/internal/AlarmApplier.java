package io.ketcd.server.internal;

import io.ketcd.proto.etcdserverpb.AlarmMember;
import io.ketcd.proto.etcdserverpb.AlarmRequest;
import io.ketcd.proto.etcdserverpb.AlarmResponse;
import io.ketcd.proto.etcdserverpb.AlarmType;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.proto.serverpb.InternalRaftRequest.RequestCase;
import io.ketcd.storage.Backend;

import java.util.EnumSet;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies etcd's Alarm requests (etcd's applierV3backend Alarm): every action goes through the
 * log, so every member agrees on the alarms; GET lists them, ACTIVATE raises one for a member,
 * DEACTIVATE clears it. While a NOSPACE alarm is raised the KV and lease appliers refuse what
 * would grow the backend (etcd's capped applier).
 */
final class AlarmApplier implements RequestApplier {
    private static final Logger LOG = LoggerFactory.getLogger(AlarmApplier.class);

    @Override
    public Set<RequestCase> requests() {
        return EnumSet.of(RequestCase.ALARM);
    }

    @Override
    public Object apply(AppliedState state, InternalRaftRequest r, long index) {
        AlarmRequest request = r.getAlarm();
        Alarms alarms = state.alarms();
        Backend backend = state.backend();
        return backend.write(() -> {
            AlarmResponse.Builder response = AlarmResponse.newBuilder()
                    .setHeader(ResponseHeader.newBuilder().setRevision(state.kv().currentRevision()));
            int before = alarms.get(request.getAlarm()).size();
            switch (request.getAction()) {
                case GET -> response.addAllAlarms(alarms.get(request.getAlarm()));
                case ACTIVATE -> {
                    AlarmMember raised = alarms.activate(request.getMemberID(), request.getAlarm());
                    response.addAlarms(raised);
                    if (before == 0) {
                        LOG.warn("alarm raised: {} for member {}", raised.getAlarm(), Long.toHexString(raised.getMemberID()));
                    }
                }
                case DEACTIVATE -> {
                    AlarmMember cleared = alarms.deactivate(request.getMemberID(), request.getAlarm());
                    if (cleared != null) {
                        response.addAlarms(cleared);
                        if (alarms.get(request.getAlarm()).isEmpty()) {
                            LOG.info("alarm disarmed: {} for member {}", cleared.getAlarm(),
                                    Long.toHexString(cleared.getMemberID()));
                        }
                    }
                }
                default -> {
                    // an action this version does not know: nothing to do, as etcd answers it
                }
            }
            backend.setConsistentIndex(index);
            return response.build();
        });
    }

    /**
     * Whether a member was found corrupt: then every KV write, compaction, lease grant and revoke
     * is refused with "etcdserver: corrupt cluster" (etcd's applierV3Corrupt), until the alarm is
     * disarmed. Reads go on, as in etcd, where they do not pass through the applier.
     */
    static boolean corrupt(AppliedState state) {
        return state.alarms().raised(AlarmType.CORRUPT);
    }

    /** Whether writes that grow the backend are refused now. */
    static boolean outOfSpace(AppliedState state) {
        return state.alarms().raised(AlarmType.NOSPACE);
    }
}
