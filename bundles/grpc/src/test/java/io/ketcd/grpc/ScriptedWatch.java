package io.ketcd.grpc;

import io.ketcd.api.service.WatchClient;
import io.ketcd.api.service.WatchSession;
import io.ketcd.proto.etcdserverpb.WatchRequest;
import io.ketcd.proto.etcdserverpb.WatchResponse;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A watch session for the gRPC layer's tests: records what it is told, answers every create
 * request with a {@code created} response carrying the next id, asks for the next request after
 * each one, and lets the test send or end as the member would.
 */
class ScriptedWatch implements WatchSession {
    final WatchClient client;
    final List<WatchRequest> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger readyCalls = new AtomicInteger();
    final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger nextId = new AtomicInteger();

    ScriptedWatch(WatchClient client) {
        this.client = client;
        client.requestNext();
    }

    @Override
    public void request(WatchRequest request) {
        requests.add(request);
        if (request.hasCreateRequest()) {
            client.send(WatchResponse.newBuilder().setWatchId(nextId.getAndIncrement()).setCreated(true).build());
        }
        client.requestNext();
    }

    @Override
    public void clientReady() {
        readyCalls.incrementAndGet();
    }

    @Override
    public void close() {
        closed.set(true);
    }
}
