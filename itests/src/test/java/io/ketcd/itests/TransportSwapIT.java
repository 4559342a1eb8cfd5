package io.ketcd.itests;

import static io.ketcd.itests.Jetcd.await;
import static io.ketcd.itests.Jetcd.bs;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Response.Header;
import io.ketcd.tls.TestPki;

/**
 * The hot swap on the distribution as a process: with a jetcd client writing
 * continuously, the client listener is switched from http to https by one configuration change
 * through Karaf's shell, and then bundles/transport is updated with {@code bundle:update}. The
 * member keeps its identity, term and data through both; the client, reconfigured for TLS after
 * the switch, writes on through the update; no acknowledged write is lost.
 *
 * <p>The node's URLs are in etc/io.ketcd.server.cfg ({@link KetcdNode#unpackConfiguredByFile()}),
 * since {@code ETCD_*} variables would override the change.
 */
public class TransportSwapIT {

    /** More keys than the test writes (each failed put uses one up as well); %06d keeps them ordered. */
    private static final int KEYS = 999_999;
    private static final int WRITERS = 8;
    /** Acknowledged writes in each phase before the next change. */
    private static final int PER_PHASE = 300;
    private static final Duration PHASE_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration PROBE_PERIOD = Duration.ofMillis(20);
    /** A writer's back-off after a failed put while the port is re-opened. */
    private static final Duration BACK_OFF = Duration.ofMillis(50);
    private static final String TRANSPORT_BUNDLE = "io.ketcd.transport";
    /** How long a plain-text put on the TLS port may take to fail; not answering at all counts as failing too. */
    private static final Duration PLAIN_PUT_BOUND = Duration.ofSeconds(10);

    private Path pkiDir;
    private KetcdNode node;

    @Before
    public void unpack() throws IOException {
        Path parent = Files.createDirectories(Paths.get(System.getProperty("ketcd.itest.dir", "target/itest-work")));
        pkiDir = Files.createTempDirectory(parent, "pki-");
        node = KetcdNode.unpackConfiguredByFile();
    }

    @After
    public void cleanUp() {
        try {
            if (node != null) {
                node.close();
            }
        } finally {
            if (!Boolean.getBoolean("ketcd.itest.keep")) {
                deleteTree(pkiDir);
            }
        }
    }

    @Test
    public void httpToHttpsByConfigurationThenBundleUpdateUnderWrites() throws Exception {
        TestPki pki = TestPki.create(pkiDir, "ketcd itest CA");
        TestPki.Leaf server = pki.leaf("ketcd swap server").sans("127.0.0.1", "localhost").write();
        String servedSubject = server.certificate().getSubjectX500Principal().getName();
        int port = node.clientPort();
        String httpsUrl = "https://127.0.0.1:" + port;
        node.start();

        try (PortWatch watch = PortWatch.start(port, pki.caFile(), PROBE_PERIOD);
             Client plain = Jetcd.connect(node)) {
            Header initial = header(plain.getKVClient());
            long watchStart = System.nanoTime();
            Await.until("the port watch to see plain text on " + port, Duration.ofSeconds(30),
                    () -> watch.sees(PortWatch.State.PLAIN, watchStart), node::diagnostics);

            // Phase 1: plain text, until the configuration switches the port to TLS.
            WriteLoad plainLoad = WriteLoad.start("swap/plain/", KEYS, WRITERS, List.of(plain.getKVClient()), false);
            try (plainLoad) {
                plainLoad.awaitAcknowledged(PER_PHASE, PHASE_TIMEOUT, node::diagnostics);
                long switchStart = System.nanoTime();
                node.shell("config:edit io.ketcd.server",
                        "config:property-set cert-file \"" + server.certFile() + "\"",
                        "config:property-set key-file \"" + server.keyFile() + "\"",
                        "config:property-set listen-client-urls " + httpsUrl,
                        "config:update");
                Await.until("the client port " + port + " to serve TLS", PHASE_TIMEOUT,
                        () -> watch.sees(PortWatch.State.TLS, switchStart), node::diagnostics);
                assertEquals("the certificate served after the switch", servedSubject, watch.latest().orElseThrow().subject());
                plainLoad.awaitWritersEnded(PHASE_TIMEOUT); // each stops at its first failed put
                System.out.printf("config switch http -> https: port not serving for %s (probe every %d ms, %d probes"
                                + " saw it closed); plain-text client: %d writes acknowledged, %d failed%n",
                        describe(watch.outage(switchStart, PortWatch.State.PLAIN, PortWatch.State.TLS)),
                        PROBE_PERIOD.toMillis(), watch.count(PortWatch.State.CLOSED, switchStart),
                        plainLoad.acknowledgedCount(), plainLoad.failures());
            }
            assertTrue("the plain-text client's writers stopped at a failure", plainLoad.failures() > 0);
            try {
                plain.getKVClient().put(bs("swap/plain-after-switch"), bs("v")).get(PLAIN_PUT_BOUND.toMillis(), TimeUnit.MILLISECONDS);
                fail("a plain-text put succeeded on the TLS port " + port);
            } catch (ExecutionException | TimeoutException expected) {
                // plain text on a TLS port: refused, or never answered
                System.out.println("a plain-text put after the switch: " + expected);
            }
            assertTrue("the switch opened an https client listener", logCount("listening for client requests on " + httpsUrl) >= 1);

            // Phase 2: a client reconfigured for TLS writes on, through a bundle update of the transport.
            try (Client tls = Client.builder()
                    .endpoints(httpsUrl)
                    .sslContext(b -> b.trustManager(pki.caFile().toFile()))
                    .connectTimeout(Duration.ofSeconds(10))
                    .retryMaxAttempts(0)
                    .build()) {
                KV kv = tls.getKVClient();
                assertSameMember("after the configuration switch", initial, header(kv));

                WriteLoad tlsLoad = WriteLoad.startPersistent("swap/tls/", KEYS, WRITERS, kv, BACK_OFF);
                try (tlsLoad) {
                    tlsLoad.awaitAcknowledged(PER_PHASE, PHASE_TIMEOUT, node::diagnostics);
                    long httpsListenersBefore = logCount("listening for client requests on " + httpsUrl);
                    long updateStart = System.nanoTime();
                    node.shell("bundle:update " + TRANSPORT_BUNDLE);
                    Await.until("an https client listener from the updated transport bundle", PHASE_TIMEOUT,
                            () -> logCount("listening for client requests on " + httpsUrl) > httpsListenersBefore,
                            node::diagnostics);
                    Await.until("the client port " + port + " to serve TLS again", PHASE_TIMEOUT,
                            () -> watch.sees(PortWatch.State.TLS, updateStart), node::diagnostics);
                    int acknowledgedAtUpdate = tlsLoad.acknowledgedCount();
                    tlsLoad.awaitAcknowledged(acknowledgedAtUpdate + PER_PHASE, PHASE_TIMEOUT, node::diagnostics);
                    tlsLoad.stop();
                    System.out.printf("bundle:update %s: port not serving for %s (probe every %d ms, %d probes saw it"
                                    + " closed); TLS client: %d writes acknowledged, %d failed, longest time without an"
                                    + " acknowledgement %d ms%n",
                            TRANSPORT_BUNDLE, describe(watch.outage(updateStart, PortWatch.State.TLS, PortWatch.State.TLS)),
                            PROBE_PERIOD.toMillis(), watch.count(PortWatch.State.CLOSED, updateStart),
                            tlsLoad.acknowledgedCount(), tlsLoad.failures(), tlsLoad.longestAckGap().toMillis());
                }
                assertEquals("the updated bundle is active", "Active", node.bundleState(TRANSPORT_BUNDLE));
                assertEquals("the certificate served after the update", servedSubject, watch.latest().orElseThrow().subject());

                // Everything acknowledged in both phases is there, read through TLS; nothing went back.
                long plainRevision = plainLoad.assertPresentIn("written in plain text, read over TLS", kv, false);
                long tlsRevision = tlsLoad.assertPresentIn("written over TLS through the bundle update", kv, false);
                long highest = Math.max(plainLoad.highestRevision(), tlsLoad.highestRevision());
                assertTrue("the revision did not go back: " + plainRevision + ", " + tlsRevision + " >= " + highest,
                        Math.min(plainRevision, tlsRevision) >= highest);
                Header end = header(kv);
                assertSameMember("after the bundle update", initial, end);
                assertTrue("the revision grew from " + initial.getRevision() + " to " + end.getRevision(),
                        end.getRevision() >= highest && highest > initial.getRevision());
            }
        }
        // The member ran throughout: started once, never stopped or restarted in-process.
        node.assertNoMemberRestart();
    }

    /** The same member (id), in the same term: a restarted single member would have elected itself in a new term. */
    private static void assertSameMember(String when, Header initial, Header now) {
        assertEquals(when + ": cluster id", initial.getClusterId(), now.getClusterId());
        assertEquals(when + ": member id", initial.getMemberId(), now.getMemberId());
        assertEquals(when + ": raft term (no new election)", initial.getRaftTerm(), now.getRaftTerm());
        assertTrue(when + ": revision " + now.getRevision() + " >= " + initial.getRevision(),
                now.getRevision() >= initial.getRevision());
    }

    /** The header of a read of a key nobody writes: member id, term and revision as the member answers. */
    private static Header header(KV kv) throws Exception {
        return await(kv.get(bs("swap/probe"))).getHeader();
    }

    private static String describe(Optional<Duration> outage) {
        return outage.map(d -> d.toMillis() + " ms").orElse("less than one probe (no probe saw it down)");
    }

    private long logCount(String text) {
        return node.logCount(text);
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + root, e);
        }
    }
}
