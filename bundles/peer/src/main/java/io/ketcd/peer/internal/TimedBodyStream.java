package io.ketcd.peer.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * A response body as an InputStream with a read timeout, which the JDK's {@code
 * BodySubscribers.ofInputStream()} lacks: a stream reader must notice a peer that stopped
 * sending link heartbeats. It requests one buffer list at a time, so at most two are held (the
 * one being read and one queued): the peer's writes block in TCP when this reader falls behind.
 * {@link #close()} cancels the exchange, which closes the connection.
 */
final class TimedBodyStream extends BlockInputStream implements HttpResponse.BodySubscriber<TimedBodyStream> {
    private static final Object END = new Object();

    private final long timeoutNanos;
    private final BlockingQueue<Object> items = new ArrayBlockingQueue<>(4);
    private volatile Flow.Subscription subscription;
    private volatile boolean closed;
    private Iterator<ByteBuffer> buffers = List.<ByteBuffer>of().iterator();
    private ByteBuffer current;
    private boolean ended;

    TimedBodyStream(Duration readTimeout) {
        this.timeoutNanos = readTimeout.toNanos();
    }

    // ---- BodySubscriber: called by the HTTP client's threads

    @Override
    public CompletionStage<TimedBodyStream> getBody() {
        return CompletableFuture.completedStage(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (closed) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        items.offer(item);
    }

    @Override
    public void onError(Throwable t) {
        items.offer(t);
    }

    @Override
    public void onComplete() {
        items.offer(END);
    }

    // ---- InputStream: called by the one reader thread

    @Override
    protected int readBlock(byte[] b, int off, int len) throws IOException {
        while (current == null || !current.hasRemaining()) {
            if (buffers.hasNext()) {
                current = buffers.next();
                continue;
            }
            if (ended) {
                return -1;
            }
            if (closed) {
                throw new IOException("stream closed");
            }
            Object item;
            try {
                item = items.poll(timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            }
            if (item == null) {
                throw new SocketTimeoutException("no data for " + Duration.ofNanos(timeoutNanos).toMillis() + " ms");
            }
            if (item == END) {
                ended = true;
                return -1;
            }
            if (item instanceof Throwable t) {
                throw t instanceof IOException io ? io : new IOException(t);
            }
            @SuppressWarnings("unchecked")
            List<ByteBuffer> list = (List<ByteBuffer>) item;
            buffers = list.iterator();
            Flow.Subscription s = subscription;
            if (s != null) {
                s.request(1);
            }
        }
        int k = Math.min(len, current.remaining());
        current.get(b, off, k);
        return k;
    }

    /** Cancels the exchange; a blocked {@link #read} ends with a timeout or an error. Any thread. */
    @Override
    public void close() {
        closed = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        items.offer(new IOException("stream closed"));
    }
}
