package io.ketcd.raft.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.api.raft.RaftNode;
import io.ketcd.api.raft.RaftNodeConfig;
import io.ketcd.api.raft.RaftRole;
import io.ketcd.api.raft.MemoryStorage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RaftCoreComponentTest {

    @Test
    void createsIndependentNodesFromStorage() {
        RaftCoreComponent core = new RaftCoreComponent();
        RaftNode a = core.create(RaftNodeConfig.builder(1).random(new SplittableRandom(1)).build(),
                MemoryStorage.withVoters(1));
        RaftNode b = core.create(RaftNodeConfig.builder(1).random(new SplittableRandom(1)).build(),
                MemoryStorage.withVoters(1));
        a.campaign();
        assertThat(a.status().role()).isEqualTo(RaftRole.LEADER);
        assertThat(b.status().role()).isEqualTo(RaftRole.FOLLOWER);
    }
}
