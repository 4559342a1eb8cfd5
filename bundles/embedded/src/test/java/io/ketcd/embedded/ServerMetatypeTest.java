package io.ketcd.embedded;

import io.ketcd.grpc.GrpcSettings;
import io.ketcd.http.HttpSettings;
import io.ketcd.server.ServerConfig;
import io.ketcd.tls.TlsSettings;
import io.ketcd.transport.TransportSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the server bundle's Metatype ({@code OSGI-INF/metatype/io.ketcd.server.xml}, what Karaf's
 * {@code config:edit} and web console show for the PID {@code io.ketcd.server}) true to the key
 * tables of the bundles that read that PID: one AD per key, named by the key, with the table's
 * default. Add a key to a table and this test names it until the XML has its AD.
 */
class ServerMetatypeTest {
    private static final String RESOURCE = "OSGI-INF/metatype/io.ketcd.server.xml";
    private static final String NAMESPACE = "http://www.osgi.org/xmlns/metatype/v1.4.0";
    private static final String PID = "io.ketcd.server";

    /** Every table of keys read from the PID, by its owner's name (for the failure messages). */
    private static final Map<String, Map<String, String>> TABLES = tables();

    /**
     * Keys whose tables are still being written (another change adds them); their etcd defaults
     * count until a table has them, and a table's entry wins from then on.
     */
    private static final Map<String, String> PENDING = Map.of(
            "log-level", "info",
            "auto-compaction-mode", "periodic",
            "auto-compaction-retention", "0");

    private static Document doc;
    private static Map<String, Element> ads;

    private static Map<String, Map<String, String>> tables() {
        Map<String, Map<String, String>> t = new LinkedHashMap<>();
        t.put("ServerConfig.KEYS", ServerConfig.KEYS);
        t.put("GrpcSettings.KEYS", GrpcSettings.KEYS);
        t.put("HttpSettings.KEYS", HttpSettings.KEYS);
        t.put("TransportSettings.KEYS", TransportSettings.KEYS);
        t.put("TlsSettings.KEYS", TlsSettings.KEYS);
        return t;
    }

    @BeforeAll
    static void parse() throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        DocumentBuilder builder = factory.newDocumentBuilder();
        try (InputStream in = ServerMetatypeTest.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            assertThat(in).as(RESOURCE + " on the test classpath (from the ketcd-server jar)").isNotNull();
            doc = builder.parse(in);
        }
        ads = new LinkedHashMap<>();
        List<String> duplicates = new ArrayList<>();
        for (Element ocd : children(doc.getDocumentElement(), "OCD")) {
            for (Element ad : children(ocd, "AD")) {
                if (ads.put(ad.getAttribute("id"), ad) != null) {
                    duplicates.add(ad.getAttribute("id"));
                }
            }
        }
        assertThat(duplicates).as("AD ids given more than once in " + RESOURCE).isEmpty();
    }

    /** key → default, the union of the tables and the pending keys. */
    private static Map<String, String> expectedDefaults() {
        Map<String, String> union = new TreeMap<>();
        TABLES.values().forEach(union::putAll);
        PENDING.forEach(union::putIfAbsent);
        return union;
    }

    @Test
    void isMetatype14WithOneOcdForThePid() {
        Element root = doc.getDocumentElement();
        assertThat(root.getNamespaceURI()).isEqualTo(NAMESPACE);
        assertThat(root.getLocalName()).isEqualTo("MetaData");
        List<Element> ocds = children(root, "OCD");
        assertThat(ocds).hasSize(1);
        assertThat(ocds.get(0).getAttribute("id")).isEqualTo(PID);
        assertThat(ocds.get(0).getAttribute("name")).isEqualTo("ketcd member");
        assertThat(ocds.get(0).getAttribute("description")).isNotBlank();
    }

    @Test
    void tablesAgreeOnSharedKeys() {
        // a key read by several bundles (name, data-dir, listen-client-urls, ...) must have one default
        Map<String, Map<String, String>> byKey = new TreeMap<>();
        TABLES.forEach((table, keys) -> keys.forEach(
                (key, value) -> byKey.computeIfAbsent(key, k -> new TreeMap<>()).put(table, value)));
        List<String> conflicts = new ArrayList<>();
        byKey.forEach((key, values) -> {
            if (Set.copyOf(values.values()).size() > 1) {
                conflicts.add(key + " " + values);
            }
        });
        assertThat(conflicts).as("keys whose tables disagree on the default").isEmpty();
    }

    @Test
    void anAdForEveryKeyAndNoOther() {
        Set<String> expected = expectedDefaults().keySet();
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(ads.keySet());
        Set<String> extra = new TreeSet<>(ads.keySet());
        extra.removeAll(expected);
        assertThat(missing.isEmpty() && extra.isEmpty())
                .withFailMessage("%s is out of step with the key tables %s (and %s):%n"
                                + "  keys without an AD (add one for each): %s%n"
                                + "  ADs for keys no table reads (remove them, or add the key to its bundle's KEYS): %s",
                        RESOURCE, TABLES.keySet(), PENDING.keySet(), missing, extra)
                .isTrue();
    }

    @Test
    void defaultsAreTheTables() {
        List<String> wrong = new ArrayList<>();
        expectedDefaults().forEach((key, value) -> {
            Element ad = ads.get(key);
            if (ad == null) {
                return; // anAdForEveryKeyAndNoOther names it
            }
            String actual = ad.hasAttribute("default") ? unescape(ad.getAttribute("default")) : null;
            if (value.isEmpty()) {
                if (actual != null) {
                    wrong.add(key + ": default=\"" + actual + "\" but the key is unset by default (omit default)");
                } else if (!"false".equals(ad.getAttribute("required"))) {
                    wrong.add(key + ": no default, so it needs required=\"false\"");
                }
            } else if (!value.equals(actual)) {
                wrong.add(key + ": default=" + (actual == null ? "(none)" : "\"" + actual + "\"")
                        + ", the table says \"" + value + "\"");
            }
        });
        assertThat(wrong).as("AD defaults that differ from the key tables").isEmpty();
    }

    @Test
    void typesFitTheDefaultsAndOptions() {
        List<String> wrong = new ArrayList<>();
        ads.forEach((key, ad) -> {
            String type = ad.getAttribute("type");
            if (!Set.of("String", "Long", "Integer", "Boolean").contains(type)) {
                wrong.add(key + ": type \"" + type + "\"");
                return;
            }
            List<String> options = children(ad, "Option").stream().map(o -> o.getAttribute("value")).toList();
            if (ad.hasAttribute("default")) {
                String value = unescape(ad.getAttribute("default"));
                if (!parses(type, value)) {
                    wrong.add(key + ": default \"" + value + "\" is not a " + type);
                }
                if (!options.isEmpty() && !options.contains(value)) {
                    wrong.add(key + ": default \"" + value + "\" is none of its options " + options);
                }
            }
            for (String option : options) {
                if (!parses(type, option)) {
                    wrong.add(key + ": option \"" + option + "\" is not a " + type);
                }
            }
        });
        assertThat(wrong).isEmpty();
    }

    @Test
    void everyAdIsDescribed() {
        List<String> undescribed = new ArrayList<>();
        ads.forEach((key, ad) -> {
            if (ad.getAttribute("description").isBlank()) {
                undescribed.add(key);
            }
        });
        assertThat(undescribed).as("ADs without a description (etcd's help text for the flag)").isEmpty();
    }

    @Test
    void designatesThePid() {
        List<Element> designates = children(doc.getDocumentElement(), "Designate");
        assertThat(designates).hasSize(1);
        Element designate = designates.get(0);
        assertThat(designate.getAttribute("pid")).isEqualTo(PID);
        assertThat(designate.hasAttribute("factoryPid")).isFalse();
        List<Element> objects = children(designate, "Object");
        assertThat(objects).hasSize(1);
        assertThat(objects.get(0).getAttribute("ocdref")).isEqualTo(PID);
    }

    private static boolean parses(String type, String value) {
        try {
            switch (type) {
                case "Long" -> Long.parseLong(value);
                case "Integer" -> Integer.parseInt(value);
                case "Boolean" -> {
                    return value.equals("true") || value.equals("false");
                }
                default -> {
                    return true;
                }
            }
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A default as the Metatype service reads it: "\," is a comma (a bare one would split the value). */
    private static String unescape(String value) {
        return value.replace("\\,", ",");
    }

    /** The child elements of {@code parent} named {@code name}; Metatype's inner elements have no namespace. */
    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && name.equals(e.getLocalName()) && e.getNamespaceURI() == null) {
                out.add(e);
            }
        }
        return out;
    }
}
