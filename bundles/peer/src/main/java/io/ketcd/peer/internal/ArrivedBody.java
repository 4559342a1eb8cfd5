package io.ketcd.peer.internal;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.glassfish.grizzly.ReadHandler;
import org.glassfish.grizzly.http.io.NIOInputStream;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/**
 * A small request body read once it has arrived, instead of by a blocking read: a follower's
 * HTTP client sends a forwarded keep-alive's headers and body in two writes, so the handler often
 * runs before the body is there, and Grizzly's blocking read then waits on a temporary selector
 * of its own (measured: a fifth of the leader's CPU per forwarded keep-alive). A body of a known
 * length up to {@code max} bytes that has not arrived yet suspends the response and is read from
 * Grizzly's callback when it has; any other body (already there, chunked, or too long) is read
 * at once, as before.
 */
final class ArrivedBody {
    /** What is done with the body, on whichever thread has it; the response may be suspended. */
    @FunctionalInterface
    interface Consumer {
        /**
         * @return true when the answer is written later and the response suspended until then
         *     (by the consumer, which resumes it); false when it was written already
         */
        boolean accept(byte[] body) throws IOException;
    }

    /** What is done when the body cannot be read: an answer written at once; the response may be suspended. */
    @FunctionalInterface
    interface Failure {
        void accept(IOException e) throws IOException;
    }

    private ArrivedBody() {
    }

    /**
     * Reads {@code request}'s body (at most {@code max} + 1 bytes, so a longer one shows as
     * longer) and gives it to {@code then}, now or once it has arrived; an unreadable body goes to
     * {@code failed}. A response suspended here for the body is resumed here unless {@code then}
     * says it answers later.
     */
    static void read(Request request, Response response, int max, Consumer then, Failure failed) throws IOException {
        long declared = request.getContentLengthLong();
        NIOInputStream in = request.getNIOInputStream();
        if (declared <= 0 || declared > max || in.readyData() >= declared) {
            byte[] body;
            try {
                body = request.getInputStream().readNBytes(max + 1);
            } catch (IOException e) {
                failed.accept(e);
                return;
            }
            then.accept(body);
            return;
        }
        response.suspend();
        AtomicBoolean handled = new AtomicBoolean();
        in.notifyAvailable(new ReadHandler() {
            @Override
            public void onDataAvailable() throws IOException {
                arrived();
            }

            @Override
            public void onAllDataRead() throws IOException {
                arrived();
            }

            @Override
            public void onError(Throwable t) {
                if (handled.getAndSet(true)) {
                    return;
                }
                try {
                    failed.accept(t instanceof IOException e ? e : new IOException(t));
                } catch (IOException | RuntimeException e) {
                    // the connection is gone: nothing left to answer on
                } finally {
                    resumeIfSuspended(response);
                }
            }

            private void arrived() throws IOException {
                if (handled.getAndSet(true)) {
                    return;
                }
                boolean later = false;
                try {
                    later = then.accept(in.readNBytes(max + 1));
                } catch (IOException e) {
                    failed.accept(e);
                } finally {
                    if (!later) {
                        resumeIfSuspended(response);
                    }
                }
            }
        }, (int) declared);
    }

    private static void resumeIfSuspended(Response response) {
        if (response.isSuspended()) {
            response.resume();
        }
    }
}
