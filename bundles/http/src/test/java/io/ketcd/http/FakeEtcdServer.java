package io.ketcd.http;

import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.server.ServerConfig;
import io.ketcd.server.UnusedEtcdServer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * An {@link io.ketcd.server.EtcdServer} whose status and range answers a test sets; it records the range
 * requests it receives. Writes are not used by the HTTP endpoints and fail.
 */
final class FakeEtcdServer extends UnusedEtcdServer {
    static final long MEMBER_ID = 0x94018c83380f970cL;

    final List<RangeRequest> ranges = new CopyOnWriteArrayList<>();
    volatile Supplier<CompletableFuture<StatusResponse>> status = () -> CompletableFuture.completedFuture(
            StatusResponse.newBuilder().setLeader(MEMBER_ID).build());
    volatile Supplier<CompletableFuture<RangeResponse>> range = () -> CompletableFuture.completedFuture(
            RangeResponse.getDefaultInstance());
    private final ServerConfig config;

    FakeEtcdServer(String listenClientHttpUrls) {
        this.config = ServerConfig.from(Map.of("listen-client-http-urls", listenClientHttpUrls), Map.of());
    }

    @Override
    public CompletableFuture<RangeResponse> range(RangeRequest request) {
        ranges.add(request);
        return range.get();
    }

    @Override
    public CompletableFuture<StatusResponse> status() {
        return status.get();
    }

    @Override
    public ServerConfig config() {
        return config;
    }

    @Override
    public long clusterId() {
        return 1;
    }

    @Override
    public long memberId() {
        return MEMBER_ID;
    }
}
