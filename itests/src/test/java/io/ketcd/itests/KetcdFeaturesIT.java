package io.ketcd.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.apache.karaf.features.FeaturesService;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

import com.google.protobuf.ByteString;

import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.api.raft.MemoryStorage;
import io.ketcd.api.raft.RaftCore;
import io.ketcd.api.raft.RaftNode;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.api.raft.Ready;
import io.ketcd.api.raft.MemoryStorage;
import io.ketcd.api.service.ClusterService;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.proto.etcdserverpb.StatusResponse;

/**
 * The distribution's features in a real Karaf: every ketcd feature installed, every ketcd
 * bundle active, every DS component active, and the KV API answering through the KvService
 * service and through the etcd:* shell commands.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KetcdFeaturesIT extends KetcdKarafTestSupport {

    private static final Set<String> FEATURES = Set.of("ketcd", "ketcd-api", "ketcd-server", "ketcd-concurrency", "ketcd-grpc", "ketcd-http", "ketcd-shell",
            "ketcd-raft", "ketcd-peer", "ketcd-grizzly", "ketcd-tls", "ketcd-transport");
    private static final Set<String> BUNDLES = Set.of("io.ketcd.proto", "io.ketcd.api", "io.ketcd.storage", "io.ketcd.mvcc",
            "io.ketcd.server", "io.ketcd.concurrency", "io.ketcd.grpc", "io.ketcd.http", "io.ketcd.shell", "io.ketcd.raft",
            "io.ketcd.peer", "io.ketcd.host", "io.ketcd.tls", "io.ketcd.transport");

    @Inject
    private FeaturesService features;

    @Inject
    private ServiceComponentRuntime scr;

    @Test
    public void everyKetcdFeatureIsInstalled() throws Exception {
        Set<String> installed = new TreeSet<>();
        for (var feature : features.listInstalledFeatures()) {
            if (feature.getName().startsWith("ketcd")) {
                installed.add(feature.getName());
            }
        }
        assertEquals(new TreeSet<>(FEATURES), installed);
    }

    @Test
    public void everyKetcdBundleIsActive() {
        Map<String, String> states = new TreeMap<>();
        for (Bundle b : bundleContext.getBundles()) {
            if (b.getSymbolicName() != null && b.getSymbolicName().startsWith("io.ketcd.")) {
                states.put(b.getSymbolicName(), b.getState() == Bundle.ACTIVE ? "ACTIVE" : "state " + b.getState());
            }
        }
        Map<String, String> expected = new TreeMap<>();
        BUNDLES.forEach(name -> expected.put(name, "ACTIVE"));
        assertEquals(expected, states);
    }

    @Test
    public void theServerBundleImportsNothingFromTheRaftBundle() {
        // The server knows raft only through io.ketcd.api.raft, so that updating or replacing the
        // raft bundle swaps the RaftCore service without refreshing (restarting) the server bundle.
        Bundle server = null;
        for (Bundle b : bundleContext.getBundles()) {
            if ("io.ketcd.server".equals(b.getSymbolicName())) {
                server = b;
            }
        }
        assertTrue("the io.ketcd.server bundle is installed", server != null);
        List<String> fromRaft = new ArrayList<>();
        for (BundleWire wire : server.adapt(BundleWiring.class).getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
            if ("io.ketcd.raft".equals(wire.getProvider().getSymbolicName())) {
                fromRaft.add(String.valueOf(wire.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE)));
            }
        }
        assertEquals("packages the server bundle is wired to in the raft bundle", List.of(), fromRaft);
    }

    @Test
    public void everyKetcdComponentIsActive() {
        // A delayed component (one that provides a service and is not immediate) is activated
        // when the service is first used, so SATISFIED is its healthy resting state.
        Await.until("every ketcd DS component to be active", TIMEOUT, () -> componentProblems().isEmpty(),
                () -> "components not active: " + componentProblems());
        List<String> names = new ArrayList<>();
        List<ComponentDescriptionDTO> server = new ArrayList<>();
        for (ComponentDescriptionDTO d : ketcdComponents()) {
            names.add(d.name);
            if (List.of(d.configurationPid).contains("io.ketcd.server") && d.name.endsWith(".EtcdServerComponent")) {
                server.add(d);
            }
        }
        assertEquals("one server component on the io.ketcd.server configuration, among " + names, 1, server.size());
        var configurations = scr.getComponentConfigurationDTOs(server.get(0));
        assertEquals(1, configurations.size());
        assertEquals("the server component is active", ComponentConfigurationDTO.ACTIVE, configurations.iterator().next().state);
    }

    @Test
    public void theMemberIsPublishedAsOneObjectUnderEachServiceFacet() throws Exception {
        Object kv = awaitService(KvService.class);
        assertSame("the Cluster facet is the member object", kv, awaitService(ClusterService.class));
        assertSame("the Maintenance facet is the member object", kv, awaitService(MaintenanceService.class));
        for (Class<?> facet : List.of(KvService.class, ClusterService.class, MaintenanceService.class)) {
            assertEquals("registrations of " + facet.getSimpleName(), 1, bundleContext.getServiceReferences(facet, null).size());
        }
    }

    @Test
    public void theKvServiceAnswersPutAndRange() throws Exception {
        KvService server = awaitService(KvService.class);
        PutResponse put = server.put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("pax/service"))
                .setValue(ByteString.copyFromUtf8("v1"))
                .build()).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        RangeResponse range = server.range(RangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("pax/service"))
                .build()).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(1, range.getCount());
        assertEquals("v1", range.getKvs(0).getValue().toStringUtf8());
        assertEquals(put.getHeader().getRevision(), range.getKvs(0).getModRevision());
        StatusResponse status = awaitService(MaintenanceService.class).status().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(status.getHeader().getMemberId(), range.getHeader().getMemberId());
        assertEquals(status.getHeader().getClusterId(), range.getHeader().getClusterId());
    }

    @Test
    public void raftCoreServiceCreatesNodesThatElectAndCommit() throws Exception {
        RaftNode node = awaitService(RaftCore.class).create(
                RaftNodeConfig.builder(1).random(new SplittableRandom(7)).build(), MemoryStorage.withVoters(1));
        node.campaign();
        assertEquals(RaftRole.LEADER, node.status().role());
        node.propose(ByteString.copyFromUtf8("entry"));
        List<String> committed = new ArrayList<>();
        while (node.hasReady()) {
            Ready ready = node.ready();
            ready.committedEntries().forEach(e -> committed.add(e.getData().toStringUtf8()));
            node.advance(ready);
        }
        assertTrue("the proposal is committed by the single voter: " + committed, committed.contains("entry"));
    }

    @Test
    public void shellCommandsPutAndGet() throws Exception {
        Await.until("the etcd:* commands", TIMEOUT,
                () -> sessionFactory.getRegistry().getCommand("etcd", "put") != null
                        && sessionFactory.getRegistry().getCommand("etcd", "get") != null,
                () -> "commands registered: " + sessionFactory.getRegistry().getCommands().size());
        executeCommand("etcd:put pax/shell hello");
        assertEquals("pax/shell\nhello\n", executeCommand("etcd:get pax/shell"));

        RangeResponse range = awaitService(KvService.class).range(RangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("pax/shell"))
                .build()).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("hello", range.getKvs(0).getValue().toStringUtf8());
    }

    private List<ComponentDescriptionDTO> ketcdComponents() {
        List<ComponentDescriptionDTO> out = new ArrayList<>();
        for (Bundle b : bundleContext.getBundles()) {
            if (b.getSymbolicName() != null && b.getSymbolicName().startsWith("io.ketcd.")) {
                out.addAll(scr.getComponentDescriptionDTOs(b));
            }
        }
        return out;
    }

    /** Component name → what is wrong with it; empty when every component is where it should be. */
    private Map<String, String> componentProblems() {
        Map<String, String> problems = new TreeMap<>();
        for (ComponentDescriptionDTO d : ketcdComponents()) {
            var configurations = scr.getComponentConfigurationDTOs(d);
            if (!scr.isComponentEnabled(d)) {
                problems.put(d.name, "disabled");
            } else if (configurations.isEmpty()) {
                problems.put(d.name, "no configuration (configuration policy " + d.configurationPolicy + ")");
            }
            boolean delayed = d.serviceInterfaces.length > 0 && !d.immediate;
            for (ComponentConfigurationDTO c : configurations) {
                boolean fine = c.state == ComponentConfigurationDTO.ACTIVE
                        || (delayed && c.state == ComponentConfigurationDTO.SATISFIED);
                if (!fine) {
                    List<String> missing = new ArrayList<>();
                    for (UnsatisfiedReferenceDTO r : c.unsatisfiedReferences) {
                        missing.add(r.name);
                    }
                    problems.put(d.name, "state " + c.state + (c.failure != null ? ", failure " + c.failure : "")
                            + (missing.isEmpty() ? "" : ", unsatisfied references " + missing));
                }
            }
        }
        return problems;
    }
}
