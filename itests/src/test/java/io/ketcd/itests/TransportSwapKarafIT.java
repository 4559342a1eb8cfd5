package io.ketcd.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import com.google.protobuf.ByteString;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.ListenerRole;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.testing.FreePorts;
import io.ketcd.tls.TestPki;

/**
 * The transport swaps in the container, through the services: a ConfigurationAdmin update of
 * {@code io.ketcd.server} that adds an {@code https} client URL with certificate files brings a
 * new {@link ListenerFactory} whose listeners include that https listener with the configured
 * certificate, while the member's {@link KvService} stays the same object with the same member,
 * term and data; then {@code Bundle.update()} of {@code io.ketcd.transport} brings another
 * factory, the listeners are re-opened from it, and the same server still answers.
 *
 * <p>The certificates are written by the test JVM in {@link #config()} (TestPki needs classes
 * the container does not export) and named to the container as system properties.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TransportSwapKarafIT extends KetcdKarafTestSupport {

    private static final String CA_FILE = "ketcd.itest.ca-file";
    private static final String CERT_FILE = "ketcd.itest.cert-file";
    /** The https client port, picked by the test JVM (below the ephemeral range) rather than in the container. */
    private static final String HTTPS_PORT = "ketcd.itest.https-port";
    private static final String KEY_FILE = "ketcd.itest.key-file";
    private static final String TRANSPORT_BUNDLE = "io.ketcd.transport";

    @Inject
    private ConfigurationAdmin configurationAdmin;

    @Override
    @org.ops4j.pax.exam.Configuration
    public Option[] config() {
        Path dir = pkiDirectory();
        TestPki pki = TestPki.create(dir, "ketcd pax CA");
        TestPki.Leaf server = pki.leaf("ketcd pax server").sans("127.0.0.1", "localhost").write();
        List<Option> options = new ArrayList<>(Arrays.asList(super.config()));
        options.add(editConfigurationFilePut("etc/system.properties", CA_FILE, pki.caFile().toString()));
        options.add(editConfigurationFilePut("etc/system.properties", CERT_FILE, server.certFile().toString()));
        options.add(editConfigurationFilePut("etc/system.properties", KEY_FILE, server.keyFile().toString()));
        options.add(editConfigurationFilePut("etc/system.properties", HTTPS_PORT, Integer.toString(FreePorts.one())));
        return options.toArray(new Option[0]);
    }

    /** A new directory for the test JVM's certificates, deleted when that JVM exits (after the container). */
    private static Path pkiDirectory() {
        try {
            Path parent = Files.createDirectories(Paths.get(System.getProperty("ketcd.itest.dir", "target/itest-work")));
            Path dir = Files.createTempDirectory(parent, "pax-pki-");
            if (!Boolean.getBoolean("ketcd.itest.keep")) {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "delete " + dir));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    public void httpsByConfigurationAdminThenTransportBundleUpdate() throws Exception {
        KvService server = awaitService(KvService.class);
        long serverServiceId = serviceId(KvService.class);
        put(server, "pax/swap/before", "v1");
        StatusResponse initial = awaitService(MaintenanceService.class).status().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        long factoryBefore = serviceId(ListenerFactory.class);

        // One configuration update: an https client URL next to the http one, with certificate files.
        int httpsPort = Integer.getInteger(HTTPS_PORT);
        URI httpsUrl = URI.create("https://127.0.0.1:" + httpsPort);
        Configuration configuration = configurationAdmin.getConfiguration("io.ketcd.server", null);
        Dictionary<String, Object> properties = configuration.getProperties();
        String httpUrls = (String) properties.get("listen-client-urls");
        properties.put("listen-client-urls", httpUrls + "," + httpsUrl);
        properties.put("cert-file", System.getProperty(CERT_FILE));
        properties.put("key-file", System.getProperty(KEY_FILE));
        configuration.update(properties);

        String subject = certificateSubject(Paths.get(System.getProperty(CERT_FILE)));
        // one update re-activates the TLS policies, the factory and its users in turn (and fileinstall
        // writes the file back, which updates once more): the port serves once that has settled
        awaitHandshake(httpsPort, subject);
        ListenerFactory configured = awaitListeners(factoryBefore, httpsUrl, URI.create(httpUrls));
        Listener https = clientListener(configured, httpsUrl).orElseThrow();
        assertTrue("the https listener has the client TLS policy", https.tls().isPresent());
        assertEquals("the https listener's certificate", Optional.of(subject), https.tls().get().summary().subject());
        assertSameServer("after the configuration update", server, serverServiceId, initial);

        // bundle:update of the transport: a new factory, the listeners re-opened from it.
        long factoryConfigured = serviceId(ListenerFactory.class);
        Bundle transport = bundle(TRANSPORT_BUNDLE);
        long modified = transport.getLastModified();
        transport.update();
        assertEquals("the transport bundle is active again", Bundle.ACTIVE, bundle(TRANSPORT_BUNDLE).getState());
        assertNotEquals("the bundle was updated", modified, bundle(TRANSPORT_BUNDLE).getLastModified());
        awaitHandshake(httpsPort, subject);
        ListenerFactory updated = awaitListeners(factoryConfigured, httpsUrl, URI.create(httpUrls));
        assertEquals("the re-opened https listener's certificate", Optional.of(subject),
                clientListener(updated, httpsUrl).orElseThrow().tls().orElseThrow().summary().subject());
        assertSameServer("after the bundle update", server, serverServiceId, initial);
        put(server, "pax/swap/after", "v2");
        assertEquals("v2", get(server, "pax/swap/after"));
    }

    /**
     * Waits for a ListenerFactory service other than {@code previousServiceId} whose open
     * listeners are the server's: both client URLs (the gRPC component's) and a peer listener
     * (the member's, re-opened through its dynamic reference).
     */
    private ListenerFactory awaitListeners(long previousServiceId, URI https, URI http) {
        ListenerFactory[] found = new ListenerFactory[1];
        Await.until("a new ListenerFactory serving " + https + ", " + http + " and the peers", TIMEOUT, () -> {
            ServiceReference<ListenerFactory> ref = bundleContext.getServiceReference(ListenerFactory.class);
            if (ref == null || (Long) ref.getProperty(Constants.SERVICE_ID) == previousServiceId) {
                return false;
            }
            ListenerFactory factory = bundleContext.getService(ref);
            try {
                List<Listener> open = factory.openListeners();
                boolean ready = clientListener(factory, https).isPresent() && clientListener(factory, http).isPresent()
                        && open.stream().anyMatch(l -> l.role() == ListenerRole.PEER);
                found[0] = ready ? factory : null;
                return ready;
            } finally {
                bundleContext.ungetService(ref);
            }
        }, () -> "listener factories: " + listenersDescription());
        return found[0];
    }

    private String listenersDescription() {
        ServiceReference<ListenerFactory> ref = bundleContext.getServiceReference(ListenerFactory.class);
        if (ref == null) {
            return "none registered";
        }
        ListenerFactory factory = bundleContext.getService(ref);
        try {
            List<String> open = new ArrayList<>();
            factory.openListeners().forEach(l -> open.add(l.role() + " " + l.url() + (l.tls().isPresent() ? " (TLS)" : "")));
            return "service " + ref.getProperty(Constants.SERVICE_ID) + " with " + open;
        } finally {
            bundleContext.ungetService(ref);
        }
    }

    private static Optional<Listener> clientListener(ListenerFactory factory, URI url) {
        return factory.openListeners().stream()
                .filter(l -> l.role() == ListenerRole.CLIENT && l.url().equals(url))
                .findFirst();
    }

    /** The server is the same service object, same member and term (no restart), and still holds the first key. */
    private void assertSameServer(String when, KvService before, long serviceIdBefore, StatusResponse initial)
            throws Exception {
        KvService now = awaitService(KvService.class);
        assertSame(when + ": the KvService service object", before, now);
        assertEquals(when + ": the KvService service registration", serviceIdBefore, serviceId(KvService.class));
        StatusResponse status = awaitService(MaintenanceService.class).status().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(when + ": member id", initial.getHeader().getMemberId(), status.getHeader().getMemberId());
        assertEquals(when + ": raft term (no new election)", initial.getRaftTerm(), status.getRaftTerm());
        assertTrue(when + ": raft index " + status.getRaftIndex() + " >= " + initial.getRaftIndex(),
                status.getRaftIndex() >= initial.getRaftIndex());
        assertEquals(when + ": the key written first", "v1", get(now, "pax/swap/before"));
    }

    private long serviceId(Class<?> type) {
        ServiceReference<?> ref = bundleContext.getServiceReference(type);
        if (ref == null) {
            throw new AssertionError("no " + type.getName() + " service");
        }
        return (Long) ref.getProperty(Constants.SERVICE_ID);
    }

    private Bundle bundle(String symbolicName) {
        return Arrays.stream(bundleContext.getBundles())
                .filter(b -> symbolicName.equals(b.getSymbolicName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no bundle " + symbolicName));
    }

    private static void put(KvService server, String key, String value) throws Exception {
        server.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build())
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static String get(KvService server, String key) throws Exception {
        RangeResponse range = server.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build())
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("one value of " + key, 1, range.getCount());
        return range.getKvs(0).getValue().toStringUtf8();
    }

    private static String certificateSubject(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in))
                    .getSubjectX500Principal().getName();
        }
    }

    /** Waits until a verified TLS handshake with the port (the test CA, host name 127.0.0.1) gets {@code subject}'s certificate. */
    private static void awaitHandshake(int port, String subject) {
        String[] last = {"no handshake yet"};
        Await.until("a TLS handshake on " + port + " serving " + subject, TIMEOUT, () -> {
            try {
                last[0] = PortWatch.servedSubject(port, PortWatch.trusting(Paths.get(System.getProperty(CA_FILE))));
                return subject.equals(last[0]);
            } catch (IOException e) {
                last[0] = e.toString();
                return false;
            }
        }, () -> "last: " + last[0]);
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // at JVM exit nothing can fail the build any more; the directory is under target/
        }
    }
}
