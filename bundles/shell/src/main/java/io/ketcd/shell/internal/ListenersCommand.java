package io.ketcd.shell.internal;

import io.ketcd.api.transport.Listener;
import io.ketcd.api.transport.ListenerFactory;
import io.ketcd.api.transport.TlsSummary;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/**
 * Every listener the node has open (client gRPC, client HTTP, peer), from the ListenerFactory
 * service: URL, role, bound address, and for TLS listeners the versions, cipher suites and the
 * certificate served now (its subject and expiry, after any rotation).
 */
@Service
@Command(scope = "etcd", name = "listeners", description = "Lists the node's open listeners and their TLS")
public class ListenersCommand extends EtcdCommand {
    static final List<String> HEADERS = List.of("URL", "ROLE", "SCHEME", "ADDRESS", "TLS VERSIONS",
            "CIPHER SUITES", "CERTIFICATE", "EXPIRES");
    private static final DateTimeFormatter EXPIRY = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    @Reference
    ListenerFactory listeners;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        for (String header : HEADERS) {
            table.column(header);
        }
        for (Listener l : listeners.openListeners()) {
            table.addRow().addContent(row(l).toArray());
        }
        table.print(out(), true);
        return null;
    }

    static List<String> row(Listener l) {
        List<String> row = new ArrayList<>(List.of(l.url().toString(), l.role().label(), l.url().getScheme(),
                address(l.localAddress())));
        if (l.tls().isEmpty()) {
            row.addAll(List.of("-", "-", "-", "-"));
            return row;
        }
        TlsSummary tls = l.tls().get().summary();
        row.add(String.join(",", tls.protocols()));
        row.add(String.join(",", tls.cipherSuites()));
        row.add(tls.subject().orElse("-"));
        row.add(tls.notAfter().map(EXPIRY::format).orElse("-"));
        return row;
    }

    private static String address(SocketAddress a) {
        if (a instanceof InetSocketAddress inet && inet.getAddress() != null) {
            String host = inet.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return a.toString();
    }
}
