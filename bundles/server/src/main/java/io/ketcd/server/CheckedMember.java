package io.ketcd.server;

import io.ketcd.proto.etcdserverpb.AlarmRequest;
import io.ketcd.proto.etcdserverpb.AlarmType;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.server.internal.CorruptionCheck;
import io.ketcd.server.internal.ServerCore;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/** The member as the corruption check sees it: whichever core runs now, and the way to raise an alarm. */
final class CheckedMember implements CorruptionCheck.Member {
    private final Supplier<ServerCore> core;
    private final Function<AlarmRequest, CompletableFuture<?>> alarm;

    CheckedMember(Supplier<ServerCore> core, Function<AlarmRequest, CompletableFuture<?>> alarm) {
        this.core = core;
        this.alarm = alarm;
    }

    @Override
    public long memberId() {
        return core.get().memberId();
    }

    @Override
    public boolean isLeader() {
        return core.get().isLeader();
    }

    @Override
    public HashKVResponse localHash() {
        return core.get().reads().hashKV(CorruptionCheck.at(0));
    }

    @Override
    public List<Long> peers() {
        long self = core.get().memberId();
        return core.get().members().stream().map(Member::getID).filter(id -> id != self).toList();
    }

    @Override
    public CompletableFuture<HashKVResponse> peerHash(long peer, long revision) {
        return core.get().peerHashKV(peer, revision);
    }

    @Override
    public CompletableFuture<?> raiseCorrupt(long member) {
        return alarm.apply(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(member)
                .setAlarm(AlarmType.CORRUPT).build());
    }
}
