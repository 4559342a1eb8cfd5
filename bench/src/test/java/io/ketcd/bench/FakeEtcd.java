package io.ketcd.bench;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.ketcd.proto.etcdserverpb.LeaseGrantResponse;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.ketcd.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.ketcd.proto.etcdserverpb.LeaseRevokeResponse;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.etcdserverpb.WatchCreateRequest;
import io.ketcd.proto.etcdserverpb.WatchRequest;
import io.ketcd.proto.etcdserverpb.WatchResponse;
import io.ketcd.proto.mvccpb.Event;
import io.ketcd.proto.mvccpb.KeyValue;
import com.google.protobuf.ByteString;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Just enough of etcd for the generator's tests, on a free port of 127.0.0.1: puts that bump a
 * revision and notify the watchers of their key (in revision order, under one lock), watch
 * streams that answer creates in order with ids from 0, leases that keep alive while granted (TTL
 * 0 for an unknown one, as etcd). Optionally without the Lease service, or with the first watcher
 * created never told anything.
 */
final class FakeEtcd implements AutoCloseable {
    private record Watcher(ByteString key, ByteString rangeEnd, long id, StreamObserver<WatchResponse> stream) {
        boolean covers(ByteString k) {
            if (rangeEnd.isEmpty()) {
                return k.equals(key);
            }
            return ByteString.unsignedLexicographicalComparator().compare(k, key) >= 0
                    && ByteString.unsignedLexicographicalComparator().compare(k, rangeEnd) < 0;
        }
    }

    final AtomicInteger puts = new AtomicInteger();
    final AtomicInteger keepAlives = new AtomicInteger();
    final AtomicInteger grants = new AtomicInteger();
    final AtomicInteger revokes = new AtomicInteger();
    /** Watchers created over the fake's life. */
    final AtomicInteger created = new AtomicInteger();
    final List<Watcher> watchers = new CopyOnWriteArrayList<>();
    private final Map<Long, Long> leases = new ConcurrentHashMap<>();
    private final AtomicLong nextLease = new AtomicLong(1000);
    private final boolean starveFirstWatcher;
    private long revision = 1;
    private final Server server;

    FakeEtcd(boolean withLeases, boolean starveFirstWatcher) throws IOException {
        this.starveFirstWatcher = starveFirstWatcher;
        ServerBuilder<?> b = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(kv()).addService(watch());
        if (withLeases) {
            b.addService(lease());
        }
        server = b.build().start();
    }

    int port() {
        return server.getPort();
    }

    int liveWatchers() {
        return watchers.size();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }

    private ServerServiceDefinition kv() {
        return ServerServiceDefinition.builder("etcdserverpb.KV")
                .addMethod(KvCalls.PUT, ServerCalls.asyncUnaryCall((request, answer) -> {
                    long rev;
                    synchronized (this) {
                        rev = ++revision;
                        KeyValue kv = KeyValue.newBuilder().setKey(request.getKey()).setValue(request.getValue())
                                .setModRevision(rev).build();
                        for (Watcher w : watchers) {
                            if (w.covers(request.getKey()) && !(starveFirstWatcher && w == watchers.get(0))) {
                                send(w.stream(), WatchResponse.newBuilder().setWatchId(w.id())
                                        .addEvents(Event.newBuilder().setKv(kv)).build());
                            }
                        }
                    }
                    puts.incrementAndGet();
                    answer.onNext(PutResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(rev)).build());
                    answer.onCompleted();
                }))
                .addMethod(KvCalls.RANGE, ServerCalls.asyncUnaryCall((request, answer) -> {
                    answer.onNext(RangeResponse.getDefaultInstance());
                    answer.onCompleted();
                }))
                .build();
    }

    private ServerServiceDefinition watch() {
        return ServerServiceDefinition.builder("etcdserverpb.Watch")
                .addMethod(WatchCalls.WATCH, ServerCalls.asyncBidiStreamingCall(
                        (StreamObserver<WatchResponse> responses) -> new StreamObserver<WatchRequest>() {
                    private long nextId;

                    @Override
                    public void onNext(WatchRequest request) {
                        if (!request.hasCreateRequest()) {
                            return;
                        }
                        WatchCreateRequest create = request.getCreateRequest();
                        long id = nextId++;
                        synchronized (FakeEtcd.this) {
                            watchers.add(new Watcher(create.getKey(), create.getRangeEnd(), id, responses));
                            send(responses, WatchResponse.newBuilder().setWatchId(id).setCreated(true).build());
                        }
                        created.incrementAndGet();
                    }

                    @Override
                    public void onError(Throwable t) {
                        watchers.removeIf(w -> w.stream() == responses);
                    }

                    @Override
                    public void onCompleted() {
                        watchers.removeIf(w -> w.stream() == responses);
                        responses.onCompleted();
                    }
                }))
                .build();
    }

    private ServerServiceDefinition lease() {
        return ServerServiceDefinition.builder("etcdserverpb.Lease")
                .addMethod(LeaseCalls.GRANT, ServerCalls.asyncUnaryCall((request, answer) -> {
                    long id = nextLease.incrementAndGet();
                    leases.put(id, request.getTTL());
                    grants.incrementAndGet();
                    answer.onNext(LeaseGrantResponse.newBuilder().setID(id).setTTL(request.getTTL()).build());
                    answer.onCompleted();
                }))
                .addMethod(LeaseCalls.REVOKE, ServerCalls.asyncUnaryCall((request, answer) -> {
                    leases.remove(request.getID());
                    revokes.incrementAndGet();
                    answer.onNext(LeaseRevokeResponse.getDefaultInstance());
                    answer.onCompleted();
                }))
                .addMethod(LeaseCalls.KEEP_ALIVE, ServerCalls.asyncBidiStreamingCall(
                        (StreamObserver<LeaseKeepAliveResponse> responses) -> new StreamObserver<LeaseKeepAliveRequest>() {
                    @Override
                    public void onNext(LeaseKeepAliveRequest request) {
                        keepAlives.incrementAndGet();
                        responses.onNext(LeaseKeepAliveResponse.newBuilder().setID(request.getID())
                                .setTTL(leases.getOrDefault(request.getID(), 0L)).build());
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        responses.onCompleted();
                    }
                }))
                .build();
    }

    /** A server stream takes one sender at a time: puts of several clients notify the same streams. */
    private static void send(StreamObserver<WatchResponse> stream, WatchResponse response) {
        synchronized (stream) {
            stream.onNext(response);
        }
    }
}
