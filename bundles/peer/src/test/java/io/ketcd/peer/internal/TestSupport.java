package io.ketcd.peer.internal;

import io.ketcd.api.peer.PeerTransportConfig;
import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.transport.SocketListenerFactory;
import io.ketcd.transport.TransportSettings;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** Shared helpers: short timeouts, starting transports on 127.0.0.1:0, raw HTTP. */
final class TestSupport {
    static final long CLUSTER_ID = 0x1000;
    static final Timeouts FAST = new Timeouts(Duration.ofMillis(1500), Duration.ofMillis(300), Duration.ofSeconds(2),
            Duration.ofSeconds(10), Duration.ofMillis(20), Duration.ofMillis(200));

    private TestSupport() {
    }

    /** A member without peer TLS. */
    static PeerTransportConfig config(long id) {
        return config(id, TlsPolicy.disabled(TlsRole.PEER));
    }

    static PeerTransportConfig config(long id, TlsPolicy peerTls) {
        return new PeerTransportConfig(id, CLUSTER_ID, "3.4.23", "3.4.0", Duration.ofMillis(100), peerTls);
    }

    /** A plain peer listener on 127.0.0.1, port 0, with etcd's 5 s peer timeouts. */
    static Listener listener() throws IOException {
        return listener("http://127.0.0.1:0", TlsPolicy.disabled(TlsRole.PEER));
    }

    /**
     * A peer listener on {@code url} from the transport bundle's factory, as the component gets
     * it: an {@code https} one secured by {@code peerTls}. The transport started on it closes it.
     */
    static Listener listener(String url, TlsPolicy peerTls) throws IOException {
        return new SocketListenerFactory(TransportSettings.defaults(), TlsPolicy.disabled(TlsRole.CLIENT), peerTls)
                .open(ListenerRole.PEER, List.of(URI.create(url))).get(0);
    }

    /** The bound port of a TCP listener. */
    static int port(Listener listener) {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    static PeerTransportImpl start(long id, RecordingReceiver receiver) throws IOException {
        return start(id, receiver, listener());
    }

    static PeerTransportImpl start(long id, RecordingReceiver receiver, Listener listener) throws IOException {
        return PeerTransportImpl.start(config(id), receiver, List.of(listener), FAST, id);
    }

    /** The {@code http} URL of {@code t}'s first listener. */
    static URI url(PeerTransportImpl t) {
        return URI.create("http://127.0.0.1:" + port(t));
    }

    static int port(PeerTransportImpl t) {
        return ((InetSocketAddress) t.servedAddresses().get(0)).getPort();
    }

    /** Threads of any transport that are still alive. */
    static List<String> peerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("ketcd-peer"))
                .sorted()
                .toList();
    }

    /** Writes {@code request} on a fresh socket and returns everything the server sends until it closes (or 5 s of silence). */
    static String raw(int port, byte[] request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                for (int r; !complete(got) && (r = in.read(buf)) >= 0; ) {
                    got.write(buf, 0, r);
                }
            } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
                // the server kept the connection open or reset it: what arrived is the answer
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** Whether {@code got} holds a whole response with a Content-Length body. */
    private static boolean complete(ByteArrayOutputStream got) {
        String s = got.toString(StandardCharsets.ISO_8859_1);
        int end = s.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        for (String line : s.substring(0, end).split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                return s.length() - end - 4 >= Integer.parseInt(line.substring(15).trim());
            }
        }
        return false;
    }

    static String raw(int port, String request) throws IOException {
        return raw(port, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The headers every valid peer request carries, ending with the blank line, from member {@code from}. */
    static String peerHeaders(long from) {
        return "Host: 127.0.0.1\r\nX-Server-From: " + Long.toHexString(from) + "\r\nX-Server-Version: 3.4.23\r\n"
                + "X-Min-Cluster-Version: 3.0.0\r\nX-Etcd-Cluster-ID: " + Long.toHexString(CLUSTER_ID) + "\r\nConnection: close\r\n";
    }
}
