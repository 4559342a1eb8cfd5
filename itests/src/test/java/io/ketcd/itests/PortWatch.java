package io.ketcd.itests;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Watches one port of 127.0.0.1 from a thread of its own: every {@code period} it connects and
 * tries a TLS handshake (ALPN h2, host name checked) trusting one CA, and records what it saw:
 * {@link State#CLOSED} (no connection), {@link State#PLAIN} (a connection, but no TLS handshake)
 * or {@link State#TLS} (a verified handshake, with the certificate's subject). From the samples it
 * tells how long the port stopped serving around a change, to the resolution of one probe.
 */
final class PortWatch implements AutoCloseable {

    enum State { CLOSED, PLAIN, TLS }

    /** One probe: when it ended ({@link System#nanoTime()}), what it saw, and the served subject for {@code TLS}. */
    record Sample(long nanos, State state, String subject) {
    }

    private final int port;
    private final SSLContext tls;
    private final List<Sample> samples = new ArrayList<>(); // guarded by itself
    private final ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "port-watch");
        t.setDaemon(true);
        return t;
    });

    private PortWatch(int port, SSLContext tls) {
        this.port = port;
        this.tls = tls;
    }

    /** Starts probing 127.0.0.1:{@code port} every {@code period}, trusting the CA certificate in {@code caFile} (PEM). */
    static PortWatch start(int port, Path caFile, Duration period) {
        PortWatch watch = new PortWatch(port, trusting(caFile));
        watch.prober.scheduleWithFixedDelay(watch::probe, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        return watch;
    }

    private void probe() {
        Sample sample;
        try {
            String subject = servedSubject(port, tls);
            sample = new Sample(System.nanoTime(), State.TLS, subject);
        } catch (NotListening e) {
            sample = new Sample(System.nanoTime(), State.CLOSED, null);
        } catch (IOException e) {
            sample = new Sample(System.nanoTime(), State.PLAIN, null);
        }
        synchronized (samples) {
            samples.add(sample);
        }
    }

    /** Nothing accepted a connection. */
    static final class NotListening extends IOException {
        NotListening(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Connects to 127.0.0.1:{@code port} and completes a TLS handshake with {@code tls}, checking
     * the host name 127.0.0.1 and offering ALPN h2 as gRPC clients do.
     *
     * @return the subject of the certificate the port served
     * @throws NotListening when no connection could be made
     * @throws IOException when the handshake failed (e.g. plain text on the port, an untrusted certificate)
     */
    static String servedSubject(int port, SSLContext tls) throws IOException {
        try (Socket raw = new Socket()) {
            try {
                raw.connect(new InetSocketAddress("127.0.0.1", port), 500);
            } catch (IOException e) {
                throw new NotListening(e);
            }
            raw.setSoTimeout(5000);
            try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(raw, "127.0.0.1", port, false)) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                parameters.setApplicationProtocols(new String[] {"h2"});
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
            }
        }
    }

    /** The latest sample, if any. */
    Optional<Sample> latest() {
        synchronized (samples) {
            return samples.isEmpty() ? Optional.empty() : Optional.of(samples.get(samples.size() - 1));
        }
    }

    /** Whether the latest sample, taken after {@code sinceNanos}, saw {@code state}. */
    boolean sees(State state, long sinceNanos) {
        return latest().filter(s -> s.nanos() - sinceNanos > 0 && s.state() == state).isPresent();
    }

    /**
     * How long the port stopped serving after {@code sinceNanos}: from the last sample that saw
     * {@code before} preceding the first sample of another state, to the first sample after that
     * which saw {@code after} (for a switch from {@code PLAIN} to {@code TLS}, the first TLS
     * sample ends it; for {@code TLS} to {@code TLS}, the first TLS sample after the last non-TLS
     * one). Empty when no sample after {@code sinceNanos} saw the port other than {@code before}
     * (an outage shorter than a probe) or it has not come back to {@code after} yet.
     */
    Optional<Duration> outage(long sinceNanos, State before, State after) {
        List<Sample> window;
        synchronized (samples) {
            window = new ArrayList<>(samples);
        }
        Long lastBefore = null;
        int i = 0;
        for (; i < window.size(); i++) {
            Sample s = window.get(i);
            if (s.state() == before) {
                lastBefore = s.nanos();
            } else if (s.nanos() - sinceNanos > 0) {
                break;
            }
        }
        if (i == window.size() || lastBefore == null) {
            return Optional.empty();
        }
        Long firstAfter = null;
        for (; i < window.size(); i++) {
            Sample s = window.get(i);
            if (s.state() == after) {
                if (firstAfter == null) {
                    firstAfter = s.nanos();
                }
                if (before != after) {
                    break;
                }
            } else {
                firstAfter = null; // still (or again) down: the outage goes on
            }
        }
        return firstAfter == null ? Optional.empty() : Optional.of(Duration.ofNanos(firstAfter - lastBefore));
    }

    /** How many samples after {@code sinceNanos} saw {@code state}. */
    long count(State state, long sinceNanos) {
        synchronized (samples) {
            return samples.stream().filter(s -> s.nanos() - sinceNanos > 0 && s.state() == state).count();
        }
    }

    @Override
    public void close() throws InterruptedException {
        prober.shutdownNow();
        if (!prober.awaitTermination(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the port watch's probe did not end within 30 s");
        }
    }

    /** A client context that trusts only the CA certificate in {@code caFile} (PEM). */
    static SSLContext trusting(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
