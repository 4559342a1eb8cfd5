package io.ketcd.itests;

import static io.ketcd.itests.Jetcd.await;
import static io.ketcd.itests.Jetcd.bs;
import static io.ketcd.itests.Jetcd.str;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutionException;

import org.junit.ClassRule;
import org.junit.Test;

import io.grpc.Status;

/**
 * Bad input to a running node through etcdctl and its HTTP port: values over the request limit,
 * empty keys, a request head that never ends. Each gets a clear answer (etcd's, where etcd has
 * one) and the node goes on serving afterwards. The raw bad-input cases of every port, against
 * one member and three, are {@link SingleMemberBadInputIT} and {@link ClusterBadInputIT}.
 */
public class BadInputIT {

    /** etcd's default max-request-bytes (1.5 MiB). */
    private static final int MAX_REQUEST_BYTES = 1536 * 1024;

    @ClassRule
    public static final RunningNode RUNNING = new RunningNode();


    @Test
    public void garbageOnTheHttpPortIsABadRequestAndTheNodeServesOn() throws Exception {
        // a request line of binary garbage, and more garbage than any request head may be
        assertEquals("HTTP/1.1 400 Bad Request", statusLine(exchange(RUNNING.node().httpPort(),
                "\0\1\2 / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1))));
        // (Grizzly answers 400 once the head passes its limit and closes; the rest of our write may
        // then meet a reset, which loses the answer: a close is a fine answer to garbage too)
        String oversized = statusLine(exchange(RUNNING.node().httpPort(), randomBytes(16 * 1024)));
        assertTrue("400 or closed, got: " + oversized, oversized.isEmpty() || oversized.equals("HTTP/1.1 400 Bad Request"));
        // a request head that never ends occupies its own connection only
        try (Socket unfinished = new Socket()) {
            unfinished.connect(new InetSocketAddress("127.0.0.1", RUNNING.node().httpPort()), 5000);
            unfinished.getOutputStream().write("GARBAGE\r\n".getBytes(StandardCharsets.ISO_8859_1));
            unfinished.getOutputStream().flush();
            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RUNNING.node().httpPort() + "/health"))
                            .timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(health.body(), 200, health.statusCode());
            assertEquals("{\"health\":\"true\"}", health.body());
        }
        assertServing("bad/http");
    }

    @Test
    public void valueOverMaxRequestBytesIsRefusedAsEtcdDoes() throws Exception {
        // 1.6 MiB: under gRPC's receive limit (max-request-bytes + 512 KiB), over etcd's own limit.
        // (A 2 MiB value never leaves etcdctl: its own 2 MiB send limit refuses it.)
        byte[] value = filled(1_677_722);
        Exec.Result r = RUNNING.node().etcdctl(value, "put", "bad/too-large");
        assertEquals(r.toString(), 1, r.exitCode());
        assertTrue(r.toString(), r.stderr().endsWith("Error: etcdserver: request is too large\n"));
        assertEquals("", RUNNING.node().etcdctl(null, "get", "bad/too-large").assertSuccess().stdout());
        assertServing("bad/too-large-after");
    }

    @Test
    public void valueJustUnderMaxRequestBytesIsStoredWhole() {
        byte[] value = filled(MAX_REQUEST_BYTES - 1024);
        assertEquals("OK\n", RUNNING.node().etcdctl(value, "put", "bad/just-fits").assertSuccess().stdout());
        String stored = RUNNING.node().etcdctl(null, "get", "--print-value-only", "bad/just-fits").assertSuccess().stdout();
        assertEquals(new String(value, StandardCharsets.UTF_8) + "\n", stored);
    }

    @Test
    public void emptyKeyIsRefusedAsEtcdDoes() throws Exception {
        for (String[] args : new String[][] {{"put", "", "v"}, {"get", ""}, {"del", ""}}) {
            Exec.Result r = RUNNING.node().etcdctl(null, args);
            assertEquals(r.toString(), 1, r.exitCode());
            assertTrue(r.toString(), r.stderr().endsWith("Error: etcdserver: key is not provided\n"));
        }
        ExecutionException e = JetcdIT.expectFailure(() -> await(RUNNING.kv().put(bs(""), bs("v"))));
        Status status = Status.fromThrowable(e.getCause());
        assertEquals(String.valueOf(status), Status.Code.INVALID_ARGUMENT, status.getCode());
        assertEquals("etcdserver: key is not provided", status.getDescription());
        assertServing("bad/empty-after");
    }

    /** A put and a get through both clients still work. */
    private static void assertServing(String key) throws Exception {
        assertEquals("OK\n", RUNNING.node().etcdctl(null, "put", key, "still-serving").assertSuccess().stdout());
        assertEquals("still-serving", str(await(RUNNING.kv().get(bs(key))).getKvs().get(0).getValue()));
    }

    /**
     * Writes {@code garbage} to the port and reads until the server closes the connection
     * (bounded: a server that neither answers nor hangs up fails the test).
     */
    private static byte[] exchange(int port, byte[] garbage) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(garbage);
                out.flush();
            } catch (IOException e) {
                return new byte[0]; // hung up before reading everything: that is an answer too
            }
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[64 * 1024];
            int total = 0;
            try {
                for (int n = in.read(buffer); n >= 0 && total < buffer.length; n = in.read(buffer, total, buffer.length - total)) {
                    total += n;
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the server kept a garbage connection open for 30 s after "
                        + total + " bytes: " + new String(buffer, 0, total, StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                // reset by the server: it hung up
            }
            return Arrays.copyOf(buffer, total);
        }
    }

    private static String statusLine(byte[] response) {
        String text = new String(response, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n");
        return end < 0 ? text : text.substring(0, end);
    }

    /** {@code size} random bytes, the same in every run. */
    private static byte[] randomBytes(int size) {
        byte[] garbage = new byte[size];
        new Random(20261121L).nextBytes(garbage);
        return garbage;
    }

    private static byte[] filled(int size) {
        byte[] value = new byte[size];
        Arrays.fill(value, (byte) 'x');
        return value;
    }
}
