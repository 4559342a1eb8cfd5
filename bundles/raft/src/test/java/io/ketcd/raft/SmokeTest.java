package io.ketcd.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.raft.RaftRole;
import org.junit.jupiter.api.Test;

class SmokeTest {

    @Test
    void threeNodesElectAndReplicate() {
        TestNetwork net = TestNetwork.of(3);
        net.elect(1);
        assertThat(net.node(1).raft().role).isEqualTo(RaftRole.LEADER);
        net.node(1).propose("a");
        net.node(2).propose("b");
        net.stabilize();
        for (TestNode n : net.nodes.values()) {
            assertThat(n.appliedData()).containsExactly("a", "b");
        }
    }
}
