package io.ketcd.itests;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameter;
import org.junit.runners.Parameterized.Parameters;

/**
 * Every bad-input case ({@link BadInputCase#all}) against a cluster of three: client-port cases
 * go to m1, m2 and m3 in turn, peer-port cases to a follower and to the leader (as each is at the
 * time). After each, every member answers, serves linearizable writes and reads, has lost nothing,
 * agrees with the others on revision and hash, and its log grew by a few lines at most
 * ({@link ServingCheck}).
 */
@RunWith(Parameterized.class)
public class ClusterBadInputIT {

    private static final Pattern LEADER = Pattern.compile("\"leader\":(\\d+)");
    private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\":(\\d+)");

    @ClassRule
    public static final RunningCluster CLUSTER = new RunningCluster(3, Map.of());

    private static ServingCheck check;

    /** Which member a case goes to. */
    enum Role { M1, M2, M3, FOLLOWER, LEADER }

    @Parameters(name = "{0} to {1}")
    public static List<Object[]> cases() {
        List<Object[]> runs = new ArrayList<>();
        List<BadInputCase> all = BadInputCase.all(BadInputCase.repeatFromSystemProperties());
        for (int i = 0; i < all.size(); i++) {
            BadInputCase c = all.get(i);
            if (c.port() == BadInputCase.Port.PEER) {
                runs.add(new Object[] {c, Role.FOLLOWER});
                runs.add(new Object[] {c, Role.LEADER});
            } else {
                runs.add(new Object[] {c, Role.values()[i % 3]});
            }
        }
        return runs;
    }

    @Parameter(0)
    public BadInputCase badInput;

    @Parameter(1)
    public Role role;

    @BeforeClass
    public static void connect() {
        check = new ServingCheck(CLUSTER.members());
    }

    @AfterClass
    public static void report() {
        if (check != null) {
            System.out.println("bad input against a cluster of three:\n" + check.report());
            check.close();
        }
    }

    @Test
    public void everyMemberServesOn() throws Exception {
        KetcdNode to = member(role);
        // crafted peer requests claim to come from another real member
        KetcdNode sender = CLUSTER.members().stream().filter(m -> m != to).findFirst().orElseThrow();
        BadInputCase.Target target = new BadInputCase.Target(to, PeerIdentity.of(to, sender));
        check.markLogs();
        badInput.sender().send(target);
        check.assertServing(badInput);
    }

    private static KetcdNode member(Role role) {
        return switch (role) {
            case M1 -> CLUSTER.member(0);
            case M2 -> CLUSTER.member(1);
            case M3 -> CLUSTER.member(2);
            case LEADER -> CLUSTER.members().stream().filter(ClusterBadInputIT::isLeader).findFirst()
                    .orElseThrow(() -> new AssertionError("no leader\n" + CLUSTER.diagnostics()));
            case FOLLOWER -> CLUSTER.members().stream().filter(m -> !isLeader(m)).findFirst().orElseThrow();
        };
    }

    /** Whether {@code m} says it is the leader ({@code etcdctl endpoint status}: its member id is the leader's). */
    private static boolean isLeader(KetcdNode m) {
        String status = m.etcdctl(null, "endpoint", "status", "-w", "json").assertSuccess().stdout();
        Matcher leader = LEADER.matcher(status);
        Matcher self = MEMBER_ID.matcher(status);
        if (!leader.find() || !self.find()) {
            throw new AssertionError("no leader or member id in: " + status);
        }
        return leader.group(1).equals(self.group(1));
    }
}
