package io.ketcd.grpc.internal;

import io.grpc.stub.ServerCallStreamObserver;
import io.ketcd.api.service.ElectionService;
import io.ketcd.api.service.LeaderObserver;
import io.ketcd.proto.v3electionpb.LeaderRequest;
import io.ketcd.proto.v3electionpb.LeaderResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Election/Observe call: the election service's observation, sent to the client. The client's
 * cancelling the call, or its deadline, closes the observation; the observation's end completes
 * the call. Leader
 * changes are few, so they are sent as they come, without waiting for the client to be ready.
 */
final class LeaderStream implements LeaderObserver {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderStream.class);

    private final ServerCallStreamObserver<LeaderResponse> call;
    private AutoCloseable observation;
    private boolean over;

    private LeaderStream(ServerCallStreamObserver<LeaderResponse> call) {
        this.call = call;
    }

    static void serve(ElectionService elections, LeaderRequest request, ServerCallStreamObserver<LeaderResponse> call) {
        LeaderStream stream = new LeaderStream(call);
        call.setOnCancelHandler(stream::cancelled);
        // closed at its deadline (by Deadlines) or after the service ended it: nothing more to observe
        call.setOnCloseHandler(stream::cancelled);
        AutoCloseable observation = elections.observe(Callers.current(), request, stream);
        boolean closeNow;
        synchronized (stream) {
            stream.observation = observation;
            closeNow = stream.over;
        }
        if (closeNow) {
            close(observation);
        }
    }

    @Override
    public synchronized void leader(LeaderResponse response) {
        if (!over) {
            call.onNext(response);
        }
    }

    @Override
    public synchronized void end() {
        if (!over) {
            over = true;
            call.onCompleted();
        }
    }

    private void cancelled() {
        AutoCloseable o;
        synchronized (this) {
            over = true;
            o = observation;
        }
        close(o);
    }

    private static void close(AutoCloseable observation) {
        if (observation == null) {
            return;
        }
        try {
            observation.close();
        } catch (Exception e) {
            LOG.warn("could not end an election observation", e);
        }
    }
}
