package io.ketcd.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.transport.TlsPolicy;
import io.ketcd.api.transport.TlsRole;
import io.ketcd.tls.TestPki;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class TlsPolicyComponentTest {
    @TempDir
    Path dir;

    @Test
    void eachComponentServesItsRolesFlags() {
        TestPki.Leaf leaf = TestPki.create(dir, "test CA").leaf("peer").write();
        Map<String, Object> config = Map.of("service.pid", "io.ketcd.server",
                "peer-cert-file", leaf.certFile().toString(), "peer-key-file", leaf.keyFile().toString(),
                "peer-client-cert-auth", "true");

        TlsPolicy peer = new PeerTlsPolicyComponent(config);
        TlsPolicy client = new ClientTlsPolicyComponent(config);

        assertThat(peer.role()).isEqualTo(TlsRole.PEER);
        assertThat(peer.isEnabled()).isTrue();
        assertThat(peer.clientCertAuth()).isTrue();
        assertThat(peer.summary().subject()).contains("CN=peer");
        assertThat(client.role()).isEqualTo(TlsRole.CLIENT);
        assertThat(client.isEnabled()).isFalse();
    }

    @Test
    void theDescriptorsRegisterTlsPolicyWithTheRoleFromTheServerConfiguration() throws Exception {
        for (Class<?> component : new Class<?>[] {ClientTlsPolicyComponent.class, PeerTlsPolicyComponent.class}) {
            Element root = descriptor(component).getDocumentElement();
            String role = component == PeerTlsPolicyComponent.class ? "peer" : "client";

            assertThat(root.getAttribute("configuration-pid")).isEqualTo("io.ketcd.server");
            assertThat(root.getAttribute("configuration-policy")).isEqualTo("require");
            Element property = (Element) root.getElementsByTagName("property").item(0);
            assertThat(property.getAttribute("name")).isEqualTo(TlsPolicy.ROLE_PROPERTY);
            assertThat(property.getAttribute("value")).isEqualTo(role);
            Element provide = (Element) root.getElementsByTagName("provide").item(0);
            assertThat(provide.getAttribute("interface")).isEqualTo(TlsPolicy.class.getName());
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
