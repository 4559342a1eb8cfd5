package io.ketcd.peer.internal;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.http.HttpWhiteboard;
import io.ketcd.host.HandlerMounts;
import io.ketcd.host.RawExchange;
import io.ketcd.host.TextHandler;

import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Peer-role handlers of the HTTP handler whiteboard, served live beside the raft transport's own paths. */
class PeerWhiteboardTest {
    private final HandlerMounts whiteboard = new HandlerMounts(HttpWhiteboard.PEER);
    private PeerTransportImpl transport;

    @AfterEach
    void close() {
        if (transport != null) {
            transport.close();
        }
    }

    @Test
    void whiteboardHandlersServeTheirPathsLiveAndTheTransportKeepsItsOwn() throws IOException {
        transport = PeerTransportImpl.start(TestSupport.config(1), new RecordingReceiver(1, 2),
                List.of(TestSupport.listener()), TestSupport.FAST, 1, whiteboard);
        SocketAddress a = transport.servedAddresses().get(0);
        assertThat(get(a, "/example/peer").statusLine()).isEqualTo("HTTP/1.1 404 Not Found");

        long example = whiteboard.mount("/example/peer", new TextHandler("from the whiteboard"));
        whiteboard.mount(7, "/members", 100, new TextHandler("not the transport's"));
        RawExchange served = get(a, "/example/peer");
        assertThat(served.statusLine()).isEqualTo("HTTP/1.1 200 OK");
        assertThat(served.text()).endsWith("\r\n\r\nfrom the whiteboard");
        RawExchange members = get(a, "/members");
        assertThat(members.statusLine()).isEqualTo("HTTP/1.1 200 OK");
        assertThat(members.text()).as("the transport's own path is not replaced").doesNotContain("not the transport");

        whiteboard.unmount(example);
        assertThat(get(a, "/example/peer").statusLine()).isEqualTo("HTTP/1.1 404 Not Found");
    }

    private static RawExchange get(SocketAddress a, String path) throws IOException {
        return RawExchange.of(a, ("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(ISO_8859_1),
                Duration.ofSeconds(15));
    }
}
