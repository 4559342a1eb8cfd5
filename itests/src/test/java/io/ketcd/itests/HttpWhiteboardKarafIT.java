package io.ketcd.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import javax.inject.Inject;

import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;

import io.ketcd.api.http.HttpWhiteboard;

/**
 * The HTTP handler whiteboard in Karaf: {@code /health} and {@code /version} are whiteboard
 * services of the http bundle; a higher-ranked service replaces one live and the built-in serves
 * again when it goes; a handler that throws answers 500 and is logged once while the others keep
 * serving; a peer-role handler serves on the peer listener; and the example handler bundle copied
 * into {@code deploy/} is mounted within seconds and unmounted when its file is deleted.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HttpWhiteboardKarafIT extends KetcdKarafTestSupport {
    private static final String HELLO_JAR = "ketcd.example.hello-handler";

    @Inject
    private ConfigurationAdmin configurationAdmin;

    @Override
    @Configuration
    public Option[] config() {
        String jar = System.getProperty(HELLO_JAR);
        if (jar == null || !Files.isRegularFile(Paths.get(jar))) {
            throw new AssertionError("the example handler bundle is missing: " + jar + " (system property " + HELLO_JAR + ")");
        }
        List<Option> options = new ArrayList<>(Arrays.asList(super.config()));
        options.add(editConfigurationFilePut("etc/system.properties", HELLO_JAR, jar));
        return options.toArray(new Option[0]);
    }

    @Test
    public void theBuiltInsAreWhiteboardServicesAndAHigherRankedServiceReplacesOneLive() throws Exception {
        for (String path : List.of("/health", "/version")) {
            ServiceReference<?>[] refs = bundleContext.getServiceReferences(HttpHandler.class.getName(),
                    "(" + HttpWhiteboard.PATH + "=" + path + ")");
            assertTrue("a whiteboard service for " + path, refs != null && refs.length == 1);
            assertEquals("the bundle registering " + path, "io.ketcd.http", refs[0].getBundle().getSymbolicName());
        }
        String builtIn = awaitAnswer(clientHttp("/version"), 200);
        assertTrue(builtIn, builtIn.contains("\"etcdserver\""));

        ServiceRegistration<HttpHandler> replacement = register("/version", HttpWhiteboard.CLIENT_HTTP, 10, text("replaced version\n"));
        try {
            assertEquals("replaced version\n", awaitAnswer(clientHttp("/version"), 200, "replaced"));
        } finally {
            replacement.unregister();
        }
        assertEquals("the built-in serves again", builtIn, awaitAnswer(clientHttp("/version"), 200, "etcdserver"));
        assertEquals("{\"health\":\"true\"}", get(clientHttp("/health")).body());
    }

    @Test
    public void aThrowingHandlerAnswers500IsLoggedOnceAndTheOthersKeepServing() throws Exception {
        ServiceRegistration<HttpHandler> broken = register("/pax/broken", HttpWhiteboard.CLIENT_HTTP, 0, new HttpHandler() {
            @Override
            public void service(Request request, Response response) {
                throw new IllegalStateException("pax: a handler with a bug");
            }
        });
        try {
            awaitAnswer(clientHttp("/pax/broken"), 500);
            for (int i = 0; i < 3; i++) {
                Answer a = get(clientHttp("/pax/broken"));
                assertEquals(500, a.status());
                assertEquals("Internal Server Error\n", a.body());
                assertEquals(200, get(clientHttp("/version")).status());
            }
            Await.until("the failure in karaf.log", TIMEOUT, () -> containerLogCount("failed on GET /pax/broken; answering 500") >= 1, () -> "");
            assertEquals("failures logged with their stack trace", 1, containerLogCount("failed on GET /pax/broken; answering 500"));
            assertEquals("stack traces logged", 1, containerLogCount("java.lang.IllegalStateException: pax: a handler with a bug"));
        } finally {
            broken.unregister();
        }
        awaitAnswer(clientHttp("/pax/broken"), 404);
    }

    @Test
    public void aPeerRoleHandlerServesOnThePeerListenersBesideTheRaftTransport() throws Exception {
        URI peer = peerUrl("/pax/peer");
        assertEquals(404, get(peer).status());
        ServiceRegistration<HttpHandler> handler = register("/pax/peer", HttpWhiteboard.PEER, 0, text("on the peer port\n"));
        try {
            assertEquals("on the peer port\n", awaitAnswer(peer, 200));
            assertEquals("not on the client HTTP port", 404, get(clientHttp("/pax/peer")).status());
            assertTrue("the raft transport keeps its own paths", get(peerUrl("/members")).body().contains("peerURLs"));
        } finally {
            handler.unregister();
        }
        awaitAnswer(peer, 404);
    }

    @Test
    public void theExampleBundleCopiedIntoDeployIsMountedAndDeletingItUnmountsIt() throws Exception {
        Path deploy = Paths.get(System.getProperty("karaf.base"), "deploy");
        Files.createDirectories(deploy);
        Path copy = deploy.resolve("ketcd-example-hello-handler.jar");
        URI hello = clientHttp("/example/hello");
        assertEquals(404, get(hello).status());

        long copied = System.nanoTime();
        Files.copy(Paths.get(System.getProperty(HELLO_JAR)), copy, StandardCopyOption.REPLACE_EXISTING);
        String body = awaitAnswer(hello, 200);
        System.out.printf("deploy/: GET /example/hello answered 200 %d ms after the copy%n", (System.nanoTime() - copied) / 1_000_000);
        assertTrue(body, body.matches("hello from member \\p{XDigit}+ at revision \\d+\n"));
        assertEquals("health still served", 200, get(clientHttp("/health")).status());

        long deleted = System.nanoTime();
        Files.delete(copy);
        awaitAnswer(hello, 404);
        System.out.printf("deploy/: GET /example/hello answered 404 %d ms after the delete%n", (System.nanoTime() - deleted) / 1_000_000);
        assertEquals(200, get(clientHttp("/version")).status());
    }

    // ---- helpers

    private ServiceRegistration<HttpHandler> register(String path, String role, int ranking, HttpHandler handler) {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(HttpWhiteboard.PATH, path);
        properties.put(HttpWhiteboard.ROLE, role);
        properties.put(Constants.SERVICE_RANKING, ranking);
        return bundleContext.registerService(HttpHandler.class, handler, properties);
    }

    private static HttpHandler text(String body) {
        return new HttpHandler() {
            @Override
            public void service(Request request, Response response) throws IOException {
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                response.setContentType("text/plain");
                response.setContentLength(bytes.length);
                response.getOutputStream().write(bytes);
            }
        };
    }

    private URI clientHttp(String path) throws IOException {
        return url("listen-client-http-urls", path);
    }

    private URI peerUrl(String path) throws IOException {
        return url("listen-peer-urls", path);
    }

    private URI url(String key, String path) throws IOException {
        String urls = (String) configurationAdmin.getConfiguration("io.ketcd.server", null).getProperties().get(key);
        return URI.create(urls.split(",")[0].trim() + path);
    }

    private record Answer(int status, String body) {
    }

    private static Answer get(URI uri) {
        try {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
            c.setConnectTimeout(5_000);
            c.setReadTimeout(10_000);
            int status = c.getResponseCode();
            try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                return new Answer(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return new Answer(-1, e.toString());
        }
    }

    /** Waits for {@code uri} to answer {@code status} (with {@code contains} in the body); returns the body. */
    private static String awaitAnswer(URI uri, int status, String... contains) {
        Answer[] last = new Answer[1];
        Await.until("GET " + uri + " answering " + status, TIMEOUT, () -> {
            last[0] = get(uri);
            return last[0].status() == status && Arrays.stream(contains).allMatch(last[0].body()::contains);
        }, () -> "last answer: " + last[0]);
        return last[0].body();
    }
}
