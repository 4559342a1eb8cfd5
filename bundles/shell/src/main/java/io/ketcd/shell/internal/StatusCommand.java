package io.ketcd.shell.internal;

import io.ketcd.api.service.ClusterService;
import io.ketcd.api.service.MaintenanceService;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.etcdserverpb.StatusResponse;

import java.util.List;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/**
 * {@code etcdctl endpoint status -w table} for this member: etcdctl's columns and cell texts
 * (hex member id, go-humanize's SI db size, {@code true}/{@code false}), right-aligned as etcdctl
 * aligns them, drawn by Karaf's table. {@code --no-format} prints what plain
 * {@code etcdctl endpoint status} prints instead: the cells joined by {@code ", "}, no header.
 * The endpoint is the member's first advertised client URL, as its member list publishes it.
 */
@Service
@Command(scope = "etcd", name = "status", description = "Prints out the status of this member")
public class StatusCommand extends EtcdCommand {
    static final List<String> HEADERS = List.of("ENDPOINT", "ID", "VERSION", "DB SIZE", "IS LEADER",
            "IS LEARNER", "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX", "ERRORS");

    @Option(name = "--no-format", description = "Print etcdctl's plain line instead of the table")
    boolean noFormat;

    @Reference
    MaintenanceService maintenance;

    @Reference
    ClusterService cluster;

    @Override
    public Object execute() throws Exception {
        StatusResponse status = await(maintenance.status());
        List<String> row = row(endpoint(status.getHeader().getMemberId()), status);
        if (noFormat) {
            line(out(), String.join(", ", row));
            return null;
        }
        ShellTable table = new ShellTable();
        for (String header : HEADERS) {
            table.column(header).alignRight();
        }
        table.addRow().addContent(row.toArray());
        table.print(out(), true);
        return null;
    }

    /** etcdctl's {@code makeEndpointStatusTable} cells for one endpoint. */
    static List<String> row(String endpoint, StatusResponse s) {
        return List.of(
                endpoint,
                Long.toHexString(s.getHeader().getMemberId()),
                s.getVersion(),
                HumanBytes.format(s.getDbSize()),
                Boolean.toString(s.getLeader() == s.getHeader().getMemberId()),
                Boolean.toString(s.getIsLearner()),
                Long.toUnsignedString(s.getRaftTerm()),
                Long.toUnsignedString(s.getRaftIndex()),
                Long.toUnsignedString(s.getRaftAppliedIndex()),
                String.join(", ", s.getErrorsList()));
    }

    private String endpoint(long memberId) throws Exception {
        for (Member m : await(cluster.memberList()).getMembersList()) {
            if (m.getID() == memberId) {
                return m.getClientURLsCount() == 0 ? "" : m.getClientURLs(0);
            }
        }
        return "";
    }
}
