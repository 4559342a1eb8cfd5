package io.ketcd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/** Free TCP ports on 127.0.0.1, so that no test depends on a fixed port. */
public final class FreePorts {

    private FreePorts() {
    }

    /** A port that was free a moment ago, for something that must be told its port before it binds. */
    public static int one() {
        return allocate(1)[0];
    }

    /**
     * Ports are picked below Linux's ephemeral range (32768-60999), which the kernel hands to
     * outgoing connections: a port picked there could be taken by any test's client socket between
     * the pick and the bind (CI saw a peer listener fail so). Ports handed out in this JVM are not
     * handed out again, so two members started one after the other never get the same port.
     */
    private static final int LOWEST = 10_000;
    private static final int HIGHEST = 32_767;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /**
     * {@code count} distinct ports that were free a moment ago: all sockets are held open together
     * (so the ports differ) and closed before returning. Another process may still take one before
     * the caller binds it; the window is short and the caller's bind fails loudly if it happens.
     */
    public static int[] allocate(int count) {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = bindUnused();
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // closing a listening socket that never accepted cannot lose anything
                    }
                }
            }
        }
    }

    private static ServerSocket bindUnused() throws IOException {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST + 1);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try {
                return new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
            } catch (IOException taken) {
                // someone else's: try another
            }
        }
        return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    /** Whether {@code port} on 127.0.0.1 can be bound now, i.e. whoever had it released it. */
    public static boolean bindable(int port) {
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return again.getLocalPort() == port;
        } catch (IOException e) {
            return false;
        }
    }
}
