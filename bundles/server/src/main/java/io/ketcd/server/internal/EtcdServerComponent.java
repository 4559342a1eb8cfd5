package io.ketcd.server.internal;

import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.CompactionResponse;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.MemberAddRequest;
import io.ketcd.proto.etcdserverpb.MemberAddResponse;
import io.ketcd.proto.etcdserverpb.MemberPromoteRequest;
import io.ketcd.proto.etcdserverpb.MemberPromoteResponse;
import io.ketcd.proto.etcdserverpb.MemberRemoveRequest;
import io.ketcd.proto.etcdserverpb.MemberRemoveResponse;
import io.ketcd.proto.etcdserverpb.MemberUpdateRequest;
import io.ketcd.proto.etcdserverpb.MemberUpdateResponse;
import io.ketcd.proto.etcdserverpb.MemberListResponse;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;
import io.ketcd.api.peer.PeerTransportFactory;
import io.ketcd.api.raft.RaftCore;
import io.ketcd.server.EtcdServer;
import io.ketcd.server.KetcdServer;
import io.ketcd.server.ServerConfig;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Runs one member from the {@code io.ketcd.server} configuration (etc/io.ketcd.server.cfg in
 * Karaf, overridden by {@code ETCD_*} environment variables) and publishes it as
 * {@link EtcdServer}. A configuration change restarts the member: every key here names its
 * identity or its storage.
 */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = EtcdServer.class, immediate = true)
public final class EtcdServerComponent implements EtcdServer {
    private final KetcdServer server;

    @Activate
    public EtcdServerComponent(Map<String, Object> properties, @Reference RaftCore raftCore,
                               @Reference PeerTransportFactory transports) throws IOException {
        this.server = KetcdServer.start(ServerConfig.from(properties, System.getenv()), raftCore, transports);
    }

    @Deactivate
    void deactivate() {
        server.close();
    }

    @Override
    public CompletableFuture<RangeResponse> range(RangeRequest request) {
        return server.range(request);
    }

    @Override
    public CompletableFuture<PutResponse> put(PutRequest request) {
        return server.put(request);
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
        return server.deleteRange(request);
    }

    @Override
    public CompletableFuture<TxnResponse> txn(TxnRequest request) {
        return server.txn(request);
    }

    @Override
    public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
        return server.compact(request);
    }

    @Override
    public CompletableFuture<StatusResponse> status() {
        return server.status();
    }

    @Override
    public CompletableFuture<HashKVResponse> hashKV(HashKVRequest request) {
        return server.hashKV(request);
    }

    @Override
    public CompletableFuture<MemberListResponse> memberList() {
        return server.memberList();
    }

    @Override
    public CompletableFuture<MemberAddResponse> memberAdd(MemberAddRequest request) {
        return server.memberAdd(request);
    }

    @Override
    public CompletableFuture<MemberRemoveResponse> memberRemove(MemberRemoveRequest request) {
        return server.memberRemove(request);
    }

    @Override
    public CompletableFuture<MemberUpdateResponse> memberUpdate(MemberUpdateRequest request) {
        return server.memberUpdate(request);
    }

    @Override
    public CompletableFuture<MemberPromoteResponse> memberPromote(MemberPromoteRequest request) {
        return server.memberPromote(request);
    }

    @Override
    public ServerConfig config() {
        return server.config();
    }

    @Override
    public long clusterId() {
        return server.clusterId();
    }

    @Override
    public long memberId() {
        return server.memberId();
    }
}
