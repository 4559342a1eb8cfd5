package io.ketcd.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.karaf.log.core.LogService;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

import com.google.protobuf.ByteString;

import io.ketcd.api.service.KvService;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;

/**
 * The {@code io.ketcd.server} configuration as Karaf knows it: its metatype (what {@code
 * config:edit} and the web console show), a change the member follows live (auto-compaction,
 * watch progress interval, log level) applied without a restart, a change that needs one
 * (snapshot-count) restarting only the member with its data intact, and an invalid value refused
 * with etcd's message while the running configuration stays in force.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConfigurationKarafIT extends KetcdKarafTestSupport {
    private static final String PID = "io.ketcd.server";
    private static final String RESTARTS = "restarts from its data directory to apply";

    @Inject
    private ConfigurationAdmin configurationAdmin;

    @Inject
    private MetaTypeService metaTypes;

    @Inject
    private LogService logs;

    @Test
    public void theMetatypeNamesEveryKeyWithEtcdsDefaultAndDescription() {
        ObjectClassDefinition ocd = metaTypes.getMetaTypeInformation(bundle("io.ketcd.server")).getObjectClassDefinition(PID, null);
        assertNotNull("a metatype for " + PID, ocd);
        Map<String, AttributeDefinition> ads = Arrays.stream(ocd.getAttributeDefinitions(ObjectClassDefinition.ALL))
                .collect(Collectors.toMap(AttributeDefinition::getID, a -> a));
        for (String key : List.of("name", "listen-client-urls", "listen-peer-urls", "heartbeat-interval", "cert-file",
                "auto-compaction-mode", "experimental-watch-progress-notify-interval", "log-level")) {
            assertTrue("an attribute " + key + " among " + ads.keySet(), ads.containsKey(key));
            assertTrue("a description of " + key, !ads.get(key).getDescription().isBlank());
        }
        assertEquals(List.of("http://localhost:2379"), Arrays.asList(ads.get("listen-client-urls").getDefaultValue()));
        assertEquals(AttributeDefinition.LONG, ads.get("heartbeat-interval").getType());
        assertEquals(List.of("debug", "info", "warn", "error", "panic", "fatal"),
                Arrays.asList(ads.get("log-level").getOptionValues()));
    }

    @Test
    public void liveChangesApplyInPlaceOthersRestartOnlyTheMemberAndInvalidValuesAreRefused() throws Exception {
        KvService kv = awaitService(KvService.class);
        long written = put(kv, "pax/config", "kept");
        long term = awaitService(MaintenanceService.class).status().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).getRaftTerm();
        long restartsBefore = containerLogCount(RESTARTS);

        // live: auto-compaction and the watch progress interval, then the log level (which reconfigures
        // pax-logging, and lines logged meanwhile may be lost: it goes in an update of its own)
        update(Map.of("auto-compaction-mode", "periodic", "auto-compaction-retention", "1h",
                "experimental-watch-progress-notify-interval", "5s"));
        Await.until("the live change applied", TIMEOUT, () -> containerLogCount("without a restart") >= 1, this::logTail);
        String applied = containerLog().stream().filter(l -> l.contains("without a restart")).findFirst().orElseThrow();
        for (String key : List.of("auto-compaction-retention=1h", "experimental-watch-progress-notify-interval=5s")) {
            assertTrue(key + " in: " + applied, applied.contains(key));
        }
        update(Map.of("log-level", "debug"));
        Await.until("io.ketcd logging at DEBUG", TIMEOUT, () -> "DEBUG".equals(logs.getLevel("io.ketcd").get("io.ketcd")),
                () -> "levels: " + logs.getLevel("io.ketcd"));
        assertEquals("member restarts", restartsBefore, containerLogCount(RESTARTS));
        assertSame("the member object", kv, awaitService(KvService.class));
        assertEquals("the same raft term: no restart, no election", term,
                awaitService(MaintenanceService.class).status().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).getRaftTerm());
        update(Map.of("log-level", "info"));
        Await.until("io.ketcd logging at INFO again", TIMEOUT, () -> "INFO".equals(logs.getLevel("io.ketcd").get("io.ketcd")),
                () -> "levels: " + logs.getLevel("io.ketcd"));

        // restart-requiring: the member restarts from its data directory, within the same server object
        update(Map.of("snapshot-count", "50000"));
        Await.until("the member restarted for snapshot-count", TIMEOUT,
                () -> containerLogCount(RESTARTS + " [snapshot-count=50000]") == 1, this::logTail);
        assertSame("the member object", kv, awaitService(KvService.class));
        Await.until("the key read after the restart", TIMEOUT, () -> revisionOf(kv, "pax/config") == written, this::logTail);
        long restartsAfter = containerLogCount(RESTARTS);
        assertEquals("one restart", restartsBefore + 1, restartsAfter);

        // invalid: refused with etcd's message, the running configuration stays
        update(Map.of("heartbeat-interval", "abc"));
        String refusal = "configuration io.ketcd.server refused, the member keeps its running configuration:"
                + " invalid value \"abc\" for flag -heartbeat-interval: parse error";
        Await.until("the refusal in karaf.log", TIMEOUT, () -> containerLogCount(refusal) >= 1, this::logTail);
        long another = put(kv, "pax/config/after-refusal", "served");
        assertTrue("the member still writes", another > written);
        assertEquals("refusals logged", 1, containerLogCount(refusal));
        assertEquals("no restart for a refused configuration", restartsAfter, containerLogCount(RESTARTS));
        update(Map.of("heartbeat-interval", "100"));
        assertEquals("kept", valueOf(kv, "pax/config"));
    }

    // ---- helpers

    private void update(Map<String, String> changes) throws IOException {
        Configuration configuration = configurationAdmin.getConfiguration(PID, null);
        Dictionary<String, Object> properties = configuration.getProperties();
        changes.forEach(properties::put);
        configuration.update(properties);
    }

    private Bundle bundle(String symbolicName) {
        return Arrays.stream(bundleContext.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName()))
                .findFirst().orElseThrow(() -> new AssertionError("no bundle " + symbolicName));
    }

    private static long put(KvService kv, String key, String value) throws Exception {
        return kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build())
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).getHeader().getRevision();
    }

    private static RangeResponse range(KvService kv, String key) throws Exception {
        return kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build())
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static String valueOf(KvService kv, String key) throws Exception {
        return range(kv, key).getKvs(0).getValue().toStringUtf8();
    }

    /** The key's modification revision, -1 while the member does not answer (restarting). */
    private static long revisionOf(KvService kv, String key) {
        try {
            RangeResponse r = range(kv, key);
            return r.getKvsCount() == 1 ? r.getKvs(0).getModRevision() : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private String logTail() {
        List<String> lines = containerLog();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
