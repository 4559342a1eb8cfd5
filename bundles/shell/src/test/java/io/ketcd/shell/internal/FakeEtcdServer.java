package io.ketcd.shell.internal;

import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.server.ServerConfig;
import io.ketcd.server.UnusedEtcdServer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * An {@link io.ketcd.server.EtcdServer} that answers each call with the future a test put in the matching field
 * and records every request, so a test checks both what a command sent and what it printed.
 */
final class FakeEtcdServer extends UnusedEtcdServer {
    final List<Object> requests = new ArrayList<>();
    CompletableFuture<PutResponse> put = CompletableFuture.completedFuture(PutResponse.getDefaultInstance());
    CompletableFuture<RangeResponse> range = CompletableFuture.completedFuture(RangeResponse.getDefaultInstance());
    CompletableFuture<DeleteRangeResponse> deleteRange = CompletableFuture.completedFuture(DeleteRangeResponse.getDefaultInstance());
    CompletableFuture<StatusResponse> status = CompletableFuture.completedFuture(StatusResponse.getDefaultInstance());
    private final ServerConfig config = ServerConfig.from(
            Map.of("advertise-client-urls", "http://127.0.0.1:2379,http://10.0.0.1:2379"), Map.of());

    /** The one request the command sent. */
    <T> T only(Class<T> type) {
        if (requests.size() != 1) {
            throw new AssertionError("expected one request, got " + requests);
        }
        return type.cast(requests.get(0));
    }

    @Override
    public CompletableFuture<RangeResponse> range(RangeRequest request) {
        requests.add(request);
        return range;
    }

    @Override
    public CompletableFuture<PutResponse> put(PutRequest request) {
        requests.add(request);
        return put;
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
        requests.add(request);
        return deleteRange;
    }

    @Override
    public CompletableFuture<StatusResponse> status() {
        requests.add("status");
        return status;
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
        return 0x94018c83380f970cL;
    }
}
