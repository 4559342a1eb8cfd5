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
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.server.EtcdServer;
import io.ketcd.server.KetcdServer;
import io.ketcd.server.PeerNetwork;
import io.ketcd.server.ServerConfig;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one member from the {@code io.ketcd.server} configuration (etc/io.ketcd.server.cfg in
 * Karaf, overridden by {@code ETCD_*} environment variables) and publishes it as
 * {@link EtcdServer}.
 *
 * <p>The listener factory and the peer TLS policy are dynamic references: replacing either (a
 * new TLS configuration, a bundle update of bundles/transport or bundles/tls) re-opens the peer
 * listeners and restarts the peer transport, while raft and data stay as they are. A
 * configuration change that only moves the client listen URLs leaves the member running (the
 * gRPC and HTTP components re-open those themselves); any other change restarts the member.
 */
@Component(configurationPid = "io.ketcd.server", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = EtcdServer.class, immediate = true)
public final class EtcdServerComponent implements EtcdServer {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdServerComponent.class);

    @Reference
    private RaftCore raftCore;
    @Reference
    private PeerTransportFactory transports;
    private volatile ListenerFactory listeners;
    private volatile TlsPolicy peerTls;
    private final Object lifecycle = new Object();
    private volatile KetcdServer server;
    private volatile ServerConfig config;

    @Activate
    void activate(Map<String, Object> properties) throws IOException {
        synchronized (lifecycle) {
            config = ServerConfig.from(properties, System.getenv());
            server = KetcdServer.start(config, raftCore, new PeerNetwork(transports, listeners, currentPeerTls()));
        }
    }

    @Modified
    void modified(Map<String, Object> properties) throws IOException {
        synchronized (lifecycle) {
            ServerConfig next = ServerConfig.from(properties, System.getenv());
            List<java.net.URI> grpc = config.listenClientUrls();
            List<java.net.URI> http = config.listenClientHttpUrls();
            if (next.withListenClientUrls(grpc, http).equals(config)) {
                config = next; // TLS, socket or client URL changes: their own components follow them
                return;
            }
            LOG.info("the member's configuration changed: restarting it");
            server.close();
            config = next;
            server = KetcdServer.start(config, raftCore, new PeerNetwork(transports, listeners, currentPeerTls()));
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (lifecycle) {
            server.close();
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindListenerFactory(ListenerFactory factory) {
        listeners = factory;
        peerNetworkChanged();
    }

    void unbindListenerFactory(ListenerFactory factory) {
        if (listeners == factory) {
            listeners = null;
            peerNetworkChanged();
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + TlsPolicy.ROLE_PROPERTY + "=peer)")
    void bindPeerTls(TlsPolicy policy) {
        peerTls = policy;
        peerNetworkChanged();
    }

    void unbindPeerTls(TlsPolicy policy) {
        if (peerTls == policy) {
            peerTls = null;
            peerNetworkChanged();
        }
    }

    /** Dynamic references are bound before activation too: only a running member is told. */
    private void peerNetworkChanged() {
        synchronized (lifecycle) {
            KetcdServer running = server;
            if (running != null) {
                running.replacePeerNetwork(listeners, currentPeerTls());
            }
        }
    }

    private TlsPolicy currentPeerTls() {
        TlsPolicy p = peerTls;
        return p != null ? p : TlsPolicy.disabled(TlsRole.PEER);
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
        return config;
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
