package io.ketcd.grpc.internal;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.ketcd.api.EtcdException;
import io.ketcd.api.service.BackendCopy;
import io.ketcd.api.service.Caller;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.proto.etcdserverpb.SnapshotResponse;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Maintenance/Snapshot call: the member's backend copy sent in 32 KiB messages, each with the
 * bytes still to come after it ({@code remaining_bytes}), as etcd sends them; etcdctl and jetcd
 * store the blobs in order. The copy is written on a thread of its own, which waits (parked)
 * while the client is not ready, so a slow client holds back the copy, not the server's memory,
 * and no gRPC thread is held; the call's cancellation ends the wait and the copy.
 */
final class SnapshotStream extends OutputStream {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStream.class);
    /** etcd's chunk size. */
    static final int CHUNK_BYTES = 32 * 1024;

    private final ServerCallStreamObserver<SnapshotResponse> call;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readyOrOver = lock.newCondition();
    private boolean cancelled;
    private final byte[] chunk = new byte[CHUNK_BYTES];
    private int filled;
    private long remaining;

    private SnapshotStream(ServerCallStreamObserver<SnapshotResponse> call) {
        this.call = call;
    }

    static void serve(MaintenanceService maintenance, ServerCallStreamObserver<SnapshotResponse> call) {
        SnapshotStream stream = new SnapshotStream(call);
        // the sending thread has no gRPC context: the caller is taken here
        Caller caller = Callers.current();
        call.setOnReadyHandler(stream::signal);
        call.setOnCancelHandler(stream::cancel);
        call.setOnCloseHandler(stream::cancel);
        Thread sender = new Thread(() -> stream.send(maintenance, caller), "ketcd-snapshot-send");
        sender.setDaemon(true);
        sender.start();
    }

    private void send(MaintenanceService maintenance, Caller caller) {
        try (BackendCopy copy = maintenance.snapshot(caller)) {
            remaining = copy.size();
            LOG.info("sending a snapshot of the backend: {} bytes", remaining);
            copy.writeTo(this);
            flushChunk();
            call.onCompleted();
            LOG.info("sent a snapshot of the backend");
        } catch (EtcdException e) {
            fail(UnaryReplies.status(e));
        } catch (InterruptedIOException e) {
            LOG.info("snapshot not sent: {}", e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.warn("sending a snapshot of the backend failed", e);
            fail(Status.INTERNAL.withDescription(String.valueOf(e.getMessage())));
        }
    }

    private void fail(Status status) {
        try {
            call.onError(status.asRuntimeException());
        } catch (IllegalStateException e) {
            // cancelled meanwhile: nobody to tell
        }
    }

    @Override
    public void write(int b) throws IOException {
        chunk[filled++] = (byte) b;
        if (filled == CHUNK_BYTES) {
            flushChunk();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, CHUNK_BYTES - filled);
            System.arraycopy(b, off, chunk, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == CHUNK_BYTES) {
                flushChunk();
            }
        }
    }

    /** Sends what is buffered, once the client can take it. */
    private void flushChunk() throws IOException {
        if (filled == 0) {
            return;
        }
        awaitReady();
        remaining -= filled;
        call.onNext(SnapshotResponse.newBuilder().setRemainingBytes(Math.max(remaining, 0))
                .setBlob(ByteString.copyFrom(chunk, 0, filled)).build());
        filled = 0;
    }

    private void awaitReady() throws IOException {
        lock.lock();
        try {
            while (!cancelled && !call.isReady()) {
                readyOrOver.await();
            }
            if (cancelled) {
                throw new InterruptedIOException("the client cancelled the snapshot");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the client was not ready");
        } finally {
            lock.unlock();
        }
    }

    private void signal() {
        lock.lock();
        try {
            readyOrOver.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void cancel() {
        lock.lock();
        try {
            cancelled = true;
            readyOrOver.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
