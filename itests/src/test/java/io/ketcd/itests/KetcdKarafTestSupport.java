package io.ketcd.itests;

import static org.ops4j.pax.exam.CoreOptions.systemTimeout;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.keepRuntimeFolder;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import io.ketcd.testing.FreePorts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.inject.Inject;

import org.apache.karaf.features.BootFinished;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Base of the Pax Exam tests: boots the ketcd distribution (the tar.gz that Failsafe names in
 * {@code ketcd.assembly}) in a Karaf container on free ports, waits for the boot features, and
 * offers {@link #executeCommand} and {@link #awaitService}.
 *
 * <p>{@link #config()} runs in the test JVM; the test methods run inside Karaf, where the ports
 * are read back from the running configuration when needed.
 */
public abstract class KetcdKarafTestSupport {

    /** Bound for anything the container does asynchronously (service registration, activation). */
    protected static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject
    protected BundleContext bundleContext;

    /** Injected only once every boot feature is installed: the test starts after the boot. */
    @Inject
    protected BootFinished bootFinished;

    @Inject
    protected SessionFactory sessionFactory;

    @Configuration
    public Option[] config() {
        String archive = System.getProperty("ketcd.assembly");
        if (archive == null || !new File(archive).isFile()) {
            throw new AssertionError("the distribution archive is missing: " + archive
                    + " (system property ketcd.assembly; build karaf-assembly first)");
        }
        int[] ports = FreePorts.allocate(6);
        String client = "http://127.0.0.1:" + ports[0];
        String peer = "http://127.0.0.1:" + ports[2];
        String server = "etc/io.ketcd.server.cfg";
        List<Option> options = new ArrayList<>(List.of(
                karafDistributionConfiguration()
                        .frameworkUrl(new File(archive).toURI().toString())
                        .name("ketcd")
                        .unpackDirectory(new File("target/exam"))
                        .useDeployFolder(false),
                configureConsole().ignoreLocalConsole(),
                // the container's boot, on a loaded 2-core machine (Pax Exam's default is 180 s)
                systemTimeout(300_000),
                logLevel(LogLevel.INFO),
                editConfigurationFilePut(server, "listen-client-urls", client),
                editConfigurationFilePut(server, "advertise-client-urls", client),
                editConfigurationFilePut(server, "listen-client-http-urls", "http://127.0.0.1:" + ports[1]),
                editConfigurationFilePut(server, "listen-peer-urls", peer),
                editConfigurationFilePut(server, "initial-advertise-peer-urls", peer),
                editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", Integer.toString(ports[3])),
                editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiRegistryPort", Integer.toString(ports[4])),
                editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiServerPort", Integer.toString(ports[5]))));
        if (Boolean.getBoolean("ketcd.itest.keep")) {
            options.add(keepRuntimeFolder());
        }
        return options.toArray(new Option[0]);
    }

    /**
     * Runs a shell command as a console user would and returns what it printed.
     *
     * @throws Exception whatever the command threw (a failing ketcd command throws)
     */
    protected String executeCommand(String command) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            Session session = sessionFactory.create(System.in, out, out);
            try {
                session.execute(command);
            } finally {
                session.close();
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The service of {@code type}, waiting up to {@link #TIMEOUT} for it to be registered. */
    protected <T> T awaitService(Class<T> type) throws InterruptedException {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(bundleContext, type, null);
        tracker.open();
        try {
            T service = tracker.waitForService(TIMEOUT.toMillis());
            if (service == null) {
                throw new AssertionError("no " + type.getName() + " service within " + TIMEOUT.toSeconds() + " s");
            }
            return service;
        } finally {
            tracker.close();
        }
    }

    /** The container's {@code data/log/karaf.log}, line by line. */
    protected static List<String> containerLog() {
        Path log = Paths.get(System.getProperty("karaf.data"), "log", "karaf.log");
        try {
            return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many lines of the container's karaf.log contain {@code text}. */
    protected static long containerLogCount(String text) {
        return containerLog().stream().filter(l -> l.contains(text)).count();
    }
}
