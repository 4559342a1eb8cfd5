package io.ketcd.host.internal;

import io.ketcd.api.concurrent.NamedThreads;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays every connection accepted on a Unix domain socket to a TCP port on 127.0.0.1, byte for
 * byte both ways, so that a TCP-only server (Grizzly 4.0.2's transport configures every channel
 * through {@code socket()}, which Unix domain channels do not have) serves a Unix listener.
 *
 * <p>For each accepted Unix connection the relay opens a TCP channel, binds it to an ephemeral
 * port of 127.0.0.1 (the kernel picks it; the relay records the bound address in {@link
 * #isRelayed} <em>before</em> it connects), connects it to the target and copies both ways.
 * An end of stream from the client is passed on as {@code shutdownOutput()} to the target once
 * everything read before it is written (a client that half-closes still gets its answer); an end
 * of stream from the target is passed on the same way and then ends the pair, since the target
 * closes whole connections (so a client that ignores the end cannot hold the pair open). When
 * the pair ends or either side fails, both channels are closed and the address is forgotten.
 *
 * <p>Why {@link #isRelayed} is a sound guard for the target port: a TCP connection's remote
 * address is its client's bound local address. While the relay holds its channel bound to
 * {@code 127.0.0.1:p}, no other socket can bind that address (the relay's channel sets neither
 * {@code SO_REUSEADDR} nor {@code SO_REUSEPORT}, and a wildcard bind of {@code p} conflicts with
 * it too), so a connection arriving from {@code 127.0.0.1:p} is the relay's own. The address is
 * removed before the channel is closed, so a later socket that gets {@code p} again is not
 * trusted. Other addresses of 127.0.0.0/8 do not match, since the whole address is compared.
 *
 * <p>One thread (daemon, from {@code threadName}) does everything: accepts, connects, reads and
 * writes, with a fixed {@value #BUFFER_BYTES}-byte buffer per direction (a full buffer stops
 * reading its source until the other side takes it, so a slow reader slows its writer).
 * Thread-safe: {@link #isRelayed} may be called from any thread; {@link #stopAccepting} and
 * {@link #close} hand their work to the relay thread and wait for it.
 */
public final class UnixRelay implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(UnixRelay.class);
    static final int BUFFER_BYTES = 64 * 1024;
    /**
     * How long accepting pauses after a failed accept (out of file descriptors, typically), so a
     * persistent failure does not spin the relay thread; a relayed connection that ends resumes
     * it at once, as it frees a descriptor.
     */
    private static final long ACCEPT_PAUSE_MILLIS = 1_000;
    /** How long {@link #stopAccepting} and {@link #close} wait for the relay thread. */
    private static final Duration STOP_BOUND = Duration.ofSeconds(5);

    private final String name;
    private final ServerSocketChannel unix;
    private final InetSocketAddress target;
    private final InetAddress loopback;
    private final Selector selector;
    private final ExecutorService thread;
    /** Tasks for the relay thread: only it touches the selector's keys and the pairs. */
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** The bound local addresses of the relay's TCP channels that are open. */
    private final Set<InetSocketAddress> relayed = ConcurrentHashMap.newKeySet();
    /** Open pairs; relay thread only. */
    private final List<Pair> pairs = new ArrayList<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile boolean closing;
    /** Relay thread only: when accepting paused after a failure (nanoTime); 0 while accepting. */
    private long acceptPausedAt;

    private UnixRelay(String name, ServerSocketChannel unix, InetSocketAddress target, Selector selector, ExecutorService thread) {
        this.name = name;
        this.unix = unix;
        this.target = target;
        this.loopback = target.getAddress();
        this.selector = selector;
        this.thread = thread;
    }

    /**
     * Starts accepting on {@code unix} (bound, not yet registered anywhere) and relaying to {@code
     * target}, a loopback TCP address. The relay does not own {@code unix}: {@link #stopAccepting}
     * deregisters it; closing it (and removing its file) is its owner's job.
     *
     * @throws IOException when the channel cannot be made non-blocking or registered
     */
    public static UnixRelay start(String threadName, ServerSocketChannel unix, InetSocketAddress target) throws IOException {
        if (!target.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the relay target must be a loopback address: " + target);
        }
        Selector selector = Selector.open();
        ExecutorService thread = Executors.newSingleThreadExecutor(new NamedThreads(threadName));
        UnixRelay relay = new UnixRelay(threadName, unix, target, selector, thread);
        try {
            unix.configureBlocking(false);
            unix.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            thread.shutdownNow();
            selector.close();
            throw e;
        }
        thread.execute(relay::run);
        return relay;
    }

    /**
     * Whether {@code remote}, the remote address of a connection accepted on the target port, is
     * the bound address of one of the relay's open TCP channels. See the class comment for why
     * that cannot be faked.
     */
    public boolean isRelayed(SocketAddress remote) {
        return remote instanceof InetSocketAddress a && relayed.contains(a);
    }

    /** How many relayed connections are open; for tests. */
    int openPairs() {
        return relayed.size();
    }

    /**
     * Stops accepting on the Unix channel (connections already relayed go on); returns once the
     * relay thread has let go of it. Idempotent.
     */
    public void stopAccepting() {
        await(onRelayThread(() -> {
            SelectionKey key = unix.keyFor(selector);
            if (key != null) {
                key.cancel();
                try {
                    // deregisters the cancelled key now, so the owner's close releases the socket at once
                    selector.selectNow();
                } catch (IOException e) {
                    LOG.warn("{}: deregistering the Unix socket: {}", name, e.toString());
                }
            }
        }), "stop accepting");
    }

    /**
     * Stops accepting, closes every relayed connection (both sides) and stops the relay thread;
     * returns once it has, or after a bound (logged). Idempotent.
     */
    @Override
    public void close() {
        closing = true;
        selector.wakeup();
        try {
            stopped.get(STOP_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("{}: the relay thread did not stop within {}: {}", name, STOP_BOUND, e.toString());
        }
        thread.shutdown();
        try {
            // the thread has finished its work; this waits for it to end, so close() leaves nothing behind
            thread.awaitTermination(STOP_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private CompletableFuture<Void> onRelayThread(Runnable task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (stopped.isDone()) {
            done.complete(null);
            return done;
        }
        tasks.add(() -> {
            task.run();
            done.complete(null);
        });
        selector.wakeup();
        // the relay thread may have stopped between the check and the add: it completes nothing then
        stopped.thenRun(() -> done.complete(null));
        return done;
    }

    private void await(CompletableFuture<Void> done, String what) {
        try {
            done.get(STOP_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("{}: {} did not complete within {}: {}", name, what, STOP_BOUND, e.toString());
        }
    }

    private void run() {
        try {
            while (!closing) {
                selector.select(acceptPausedAt == 0 ? 0 : ACCEPT_PAUSE_MILLIS);
                if (acceptPausedAt != 0 && System.nanoTime() - acceptPausedAt >= ACCEPT_PAUSE_MILLIS * 1_000_000) {
                    resumeAccepting();
                }
                for (Runnable task; (task = tasks.poll()) != null; ) {
                    task.run();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    handle(key);
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                LOG.error("{}: the relay stopped: {}", name, e.toString(), e);
            }
        } finally {
            shutdown();
        }
    }

    private void handle(SelectionKey key) {
        try {
            if (!key.isValid()) {
                return;
            }
            if (key.channel() == unix) {
                if (key.isAcceptable()) {
                    accept();
                }
                return;
            }
            Pair pair = (Pair) key.attachment();
            try {
                pair.onReady(key);
            } catch (IOException | RuntimeException e) {
                LOG.debug("{}: relayed connection ended: {}", name, e.toString());
                pair.close();
            }
        } catch (CancelledKeyException ignored) {
            // its pair was closed while handling the other side's key
        }
    }

    private void accept() {
        SocketChannel client;
        try {
            client = unix.accept();
        } catch (IOException e) {
            LOG.warn("{}: accepting on the Unix socket failed, pausing accepts for {} ms: {}", name, ACCEPT_PAUSE_MILLIS,
                    e.toString());
            SelectionKey key = unix.keyFor(selector);
            if (key != null && key.isValid()) {
                key.interestOps(0);
                acceptPausedAt = Math.max(1, System.nanoTime());
            }
            return;
        }
        if (client == null) {
            return;
        }
        SocketChannel tcp = null;
        InetSocketAddress bound = null;
        Pair pair = null;
        try {
            client.configureBlocking(false);
            tcp = SocketChannel.open();
            tcp.configureBlocking(false);
            // the guard's soundness rests on this socket's bound address being exclusively its own
            tcp.setOption(StandardSocketOptions.SO_REUSEADDR, false);
            tcp.bind(new InetSocketAddress(loopback, 0));
            bound = (InetSocketAddress) tcp.getLocalAddress();
            relayed.add(bound);
            pair = new Pair(client, tcp, bound);
            pairs.add(pair);
            pair.connect(target);
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot relay a Unix connection to {}: {}", name, target, e.toString());
            if (pair != null) {
                pair.close();
            } else {
                if (bound != null) {
                    relayed.remove(bound);
                }
                closeQuietly(client);
                closeQuietly(tcp);
            }
        }
    }

    private void resumeAccepting() {
        acceptPausedAt = 0;
        SelectionKey key = unix.keyFor(selector);
        if (key != null && key.isValid()) {
            key.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    private void shutdown() {
        for (Pair pair : List.copyOf(pairs)) {
            pair.close();
        }
        // tasks queued by stopAccepting: the key goes with the selector
        tasks.clear();
        try {
            selector.close();
        } catch (IOException e) {
            LOG.warn("{}: closing the relay selector: {}", name, e.toString());
        }
        stopped.complete(null);
    }

    private static void closeQuietly(java.nio.channels.Channel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }

    /** One relayed connection: the accepted Unix channel and the TCP channel to the target. Relay thread only. */
    private final class Pair {
        private final SocketChannel client;
        private final SocketChannel tcp;
        private final InetSocketAddress bound;
        private final SelectionKey clientKey;
        private final SelectionKey tcpKey;
        /** Bytes read from the client, not yet written to the target. */
        private final Direction up;
        /** Bytes read from the target, not yet written to the client. */
        private final Direction down;
        private boolean connected;
        private boolean closed;

        Pair(SocketChannel client, SocketChannel tcp, InetSocketAddress bound) throws IOException {
            this.client = client;
            this.tcp = tcp;
            this.bound = bound;
            this.clientKey = client.register(selector, 0, this);
            this.tcpKey = tcp.register(selector, 0, this);
            this.up = new Direction(client, tcp);
            this.down = new Direction(tcp, client);
        }

        void connect(InetSocketAddress to) throws IOException {
            connected = tcp.connect(to);
            updateInterest();
        }

        void onReady(SelectionKey key) throws IOException {
            if (key == tcpKey && key.isConnectable()) {
                connected = tcp.finishConnect();
            }
            if (connected) {
                up.pump();
                down.pump();
            }
            // the target closes whole connections (HTTP never half-closes a response): its end is the pair's end
            if (down.done()) {
                close();
            } else {
                updateInterest();
            }
        }

        private void updateInterest() {
            if (closed) {
                return;
            }
            if (!connected) {
                clientKey.interestOps(0);
                tcpKey.interestOps(SelectionKey.OP_CONNECT);
                return;
            }
            clientKey.interestOps(up.readInterest() | down.writeInterest());
            tcpKey.interestOps(down.readInterest() | up.writeInterest());
        }

        void close() {
            if (closed) {
                return;
            }
            closed = true;
            // forgotten before the port is released, so whoever binds it next is not trusted
            relayed.remove(bound);
            pairs.remove(this);
            closeQuietly(client);
            closeQuietly(tcp);
            if (acceptPausedAt != 0) {
                resumeAccepting();
            }
        }
    }

    /** Copying one way: read from {@code from} into the buffer, write the buffer to {@code to}. */
    private static final class Direction {
        private final SocketChannel from;
        private final SocketChannel to;
        /** Write mode: position is where the next read goes, [0, position) waits to be written. */
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
        private boolean eof;
        private boolean outputShut;

        Direction(SocketChannel from, SocketChannel to) {
            this.from = from;
            this.to = to;
        }

        /** Moves what it can without blocking; an end of stream goes on as a half-close once all is written. */
        void pump() throws IOException {
            boolean progress = true;
            while (progress) {
                progress = false;
                if (!eof && buffer.hasRemaining()) {
                    int n = from.read(buffer);
                    if (n < 0) {
                        eof = true;
                    } else if (n > 0) {
                        progress = true;
                    }
                }
                if (buffer.position() > 0) {
                    buffer.flip();
                    int n = to.write(buffer);
                    buffer.compact();
                    if (n > 0) {
                        progress = true;
                    }
                }
            }
            if (eof && buffer.position() == 0 && !outputShut) {
                outputShut = true;
                to.shutdownOutput();
            }
        }

        int readInterest() {
            return !eof && buffer.hasRemaining() ? SelectionKey.OP_READ : 0;
        }

        int writeInterest() {
            return buffer.position() > 0 ? SelectionKey.OP_WRITE : 0;
        }

        boolean done() {
            return outputShut;
        }
    }
}
