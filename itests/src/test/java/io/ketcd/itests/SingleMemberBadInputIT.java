package io.ketcd.itests;

import java.util.List;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameter;
import org.junit.runners.Parameterized.Parameters;

/**
 * Every bad-input case ({@link BadInputCase#all}) against one running node, one after the other:
 * each gets its answer, and the node serves on with nothing lost and its log barely grown
 * ({@link ServingCheck}). {@code -Dbadinput.full=true} repeats the random cases.
 */
@RunWith(Parameterized.class)
public class SingleMemberBadInputIT {

    @ClassRule
    public static final RunningNode RUNNING = new RunningNode();

    private static ServingCheck check;
    private static BadInputCase.Target target;

    @Parameters(name = "{0}")
    public static List<BadInputCase> cases() {
        return BadInputCase.all(BadInputCase.repeatFromSystemProperties());
    }

    @Parameter
    public BadInputCase badInput;

    @BeforeClass
    public static void connect() {
        check = new ServingCheck(List.of(RUNNING.node()));
        // a single member's only peer is itself: crafted peer requests claim to come from it
        target = new BadInputCase.Target(RUNNING.node(), PeerIdentity.of(RUNNING.node(), RUNNING.node()));
    }

    @AfterClass
    public static void report() {
        if (check != null) {
            System.out.println("bad input against one member:\n" + check.report());
            check.close();
        }
    }

    @Test
    public void theMemberAnswersAndServesOn() throws Exception {
        check.markLogs();
        badInput.sender().send(target);
        check.assertServing(badInput);
    }
}
