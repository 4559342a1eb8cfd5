package io.ketcd.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.tls.TestPki;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class TlsPolicyComponentTest {
    @TempDir
    Path dir;

    /** Records what a component publishes instead of registering services. */
    private static final class Published implements PolicyPublisher.Registrar {
        final List<TlsPolicy> live = new ArrayList<>();
        int registrations;

        @Override
        public Runnable register(TlsPolicy policy, TlsRole role) {
            assertThat(policy.role()).isEqualTo(role);
            live.add(policy);
            registrations++;
            return () -> live.remove(policy);
        }
    }

    @Test
    void eachComponentPublishesItsRolesPolicy() {
        TestPki.Leaf leaf = TestPki.create(dir, "test CA").leaf("peer").write();
        Map<String, Object> config = Map.of("service.pid", "io.ketcd.server",
                "peer-cert-file", leaf.certFile().toString(), "peer-key-file", leaf.keyFile().toString(),
                "peer-client-cert-auth", "true");
        Published peers = new Published();
        Published clients = new Published();

        new PeerTlsPolicyComponent(peers, config);
        new ClientTlsPolicyComponent(clients, config);

        TlsPolicy peer = peers.live.get(0);
        assertThat(peer.role()).isEqualTo(TlsRole.PEER);
        assertThat(peer.isEnabled()).isTrue();
        assertThat(peer.clientCertAuth()).isTrue();
        assertThat(peer.summary().subject()).contains("CN=peer");
        TlsPolicy client = clients.live.get(0);
        assertThat(client.role()).isEqualTo(TlsRole.CLIENT);
        assertThat(client.isEnabled()).isFalse();
    }

    @Test
    void anUpdateRepublishesOnlyWhenTheRolesFlagsChanged() {
        TestPki.Leaf leaf = TestPki.create(dir, "test CA").leaf("server").write();
        Published clients = new Published();
        Map<String, Object> plain = Map.of("service.pid", "io.ketcd.server", "name", "m1");
        ClientTlsPolicyComponent component = new ClientTlsPolicyComponent(clients, plain);
        TlsPolicy first = clients.live.get(0);

        component.modified(Map.of("service.pid", "io.ketcd.server", "name", "m1", "snapshot-count", "10",
                "peer-auto-tls", "true"));
        assertThat(clients.registrations).as("other keys and the peer role's flags").isEqualTo(1);
        assertThat(clients.live).containsExactly(first);

        component.modified(Map.of("service.pid", "io.ketcd.server", "name", "m1",
                "cert-file", leaf.certFile().toString(), "key-file", leaf.keyFile().toString()));
        assertThat(clients.registrations).isEqualTo(2);
        assertThat(clients.live).hasSize(1).doesNotContain(first);
        assertThat(clients.live.get(0).isEnabled()).isTrue();

        // refused and logged (ConfigurationRefusal), not thrown at SCR
        component.modified(Map.of("service.pid", "io.ketcd.server", "name", "m1",
                "cert-file", dir.resolve("missing.crt").toString(), "key-file", leaf.keyFile().toString()));
        assertThat(clients.registrations).as("a broken update publishes nothing").isEqualTo(2);
        assertThat(clients.live).as("a broken update keeps the policy published before").hasSize(1);
        assertThat(clients.live.get(0).isEnabled()).isTrue();

        component.deactivate();
        assertThat(clients.live).isEmpty();
    }

    @Test
    void theDescriptorsAreImmediateComponentsOfTheServerConfiguration() throws Exception {
        for (Class<?> component : new Class<?>[] {ClientTlsPolicyComponent.class, PeerTlsPolicyComponent.class}) {
            Element root = descriptor(component).getDocumentElement();

            assertThat(root.getAttribute("configuration-pid")).isEqualTo("io.ketcd.server");
            assertThat(root.getAttribute("configuration-policy")).isEqualTo("require");
            assertThat(root.getAttribute("immediate")).isEqualTo("true");
            assertThat(root.getAttribute("modified")).as("inherited from TlsPolicyComponent").isEqualTo("modified");
            assertThat(root.getAttribute("deactivate")).as("inherited from TlsPolicyComponent").isEqualTo("deactivate");
        }
    }

    /** The DS descriptor bnd generated from the annotations (in target/classes/OSGI-INF). */
    private static Document descriptor(Class<?> component) throws Exception {
        try (InputStream in = component.getClassLoader().getResourceAsStream("OSGI-INF/" + component.getName() + ".xml")) {
            assertThat(in).as("descriptor of " + component.getName()).isNotNull();
            return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
        }
    }
}
