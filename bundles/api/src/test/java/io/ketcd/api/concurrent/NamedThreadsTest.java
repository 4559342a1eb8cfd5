package io.ketcd.api.concurrent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NamedThreadsTest {

    @Test
    void namesCountFromOnePerFactory() {
        NamedThreads raft = new NamedThreads("ketcd-raft");
        NamedThreads apply = new NamedThreads("ketcd-apply");
        assertThat(raft.newThread(() -> { }).getName()).isEqualTo("ketcd-raft-1");
        assertThat(raft.newThread(() -> { }).getName()).isEqualTo("ketcd-raft-2");
        assertThat(apply.newThread(() -> { }).getName()).isEqualTo("ketcd-apply-1");
    }

    @Test
    void threadsAreDaemonAndUnstarted() {
        Thread t = new NamedThreads("ketcd-test").newThread(() -> { });
        assertThat(t.isDaemon()).isTrue();
        assertThat(t.getState()).isEqualTo(Thread.State.NEW);
    }

    @Test
    void runsTheGivenTask() throws InterruptedException {
        boolean[] ran = new boolean[1];
        Thread t = new NamedThreads("ketcd-test").newThread(() -> ran[0] = true);
        t.start();
        t.join(10_000);
        assertThat(ran[0]).isTrue();
    }
}
