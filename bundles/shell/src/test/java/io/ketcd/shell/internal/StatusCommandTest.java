package io.ketcd.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.etcdserverpb.MemberListRequest;
import io.ketcd.proto.etcdserverpb.MemberListResponse;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.etcdserverpb.StatusRequest;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.testing.fakes.Answer;
import io.ketcd.testing.fakes.FakeCluster;
import io.ketcd.testing.fakes.FakeMaintenance;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** etcdctl 3.4.23's {@code endpoint status -w table} cells, in Karaf's table. */
class StatusCommandTest {
    private static final long ID = 0x94018c83380f970cL;

    private final FakeMaintenance maintenance = new FakeMaintenance();
    private final FakeCluster cluster = new FakeCluster();

    /** A member list in which the member {@link #ID} advertises two client URLs. */
    @BeforeEach
    void members() {
        cluster.memberList = Answer.with(MemberListResponse.newBuilder()
                .addMembers(Member.newBuilder().setID(0x1234).addClientURLs("http://10.0.0.9:2379"))
                .addMembers(Member.newBuilder().setID(ID).addClientURLs("http://127.0.0.1:2379").addClientURLs("http://10.0.0.1:2379"))
                .build());
    }

    private static StatusResponse.Builder status() {
        return StatusResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setMemberId(ID).setClusterId(1))
                .setVersion("3.4.23").setDbSize(20480).setLeader(ID)
                .setRaftTerm(2).setRaftIndex(10).setRaftAppliedIndex(10);
    }

    @Test
    void tableHasEtcdctlsColumnsAndCells() throws Exception {
        maintenance.status = Answer.with(status().build());
        String out = Shell.run(new StatusCommand(), maintenance, cluster);
        assertThat(out.lines().toList()).hasSize(3);
        assertThat(out.lines().findFirst().orElseThrow().replaceAll("[ │|]+", " ").trim())
                .isEqualTo("ENDPOINT ID VERSION DB SIZE IS LEADER IS LEARNER RAFT TERM RAFT INDEX RAFT APPLIED INDEX ERRORS");
        assertThat(out.lines().skip(2).findFirst().orElseThrow().replaceAll("[ │|]+", " ").trim())
                .isEqualTo("http://127.0.0.1:2379 94018c83380f970c 3.4.23 20 kB true false 2 10 10");
        assertThat(maintenance.requests.all()).containsExactly(StatusRequest.getDefaultInstance());
        assertThat(cluster.requests.all()).containsExactly(MemberListRequest.getDefaultInstance());
    }

    @Test
    void noFormatPrintsEtcdctlsSimpleLine() throws Exception {
        maintenance.status = Answer.with(status().setLeader(7).setIsLearner(true)
                .addErrors("etcdserver: no leader").addErrors("memberID:1 alarm:NOSPACE ").build());
        assertThat(Shell.run(new StatusCommand(), maintenance, cluster, "--no-format")).isEqualTo("http://127.0.0.1:2379, "
                + "94018c83380f970c, 3.4.23, 20 kB, false, true, 2, 10, 10, etcdserver: no leader, memberID:1 alarm:NOSPACE \n");
    }

    @Test
    void dbSizeIsGoHumanizesSiBytes() {
        assertThat(HumanBytes.format(0)).isEqualTo("0 B");
        assertThat(HumanBytes.format(9)).isEqualTo("9 B");
        assertThat(HumanBytes.format(10)).isEqualTo("10 B");
        assertThat(HumanBytes.format(999)).isEqualTo("999 B");
        assertThat(HumanBytes.format(1000)).isEqualTo("1.0 kB");
        assertThat(HumanBytes.format(20480)).isEqualTo("20 kB");
        assertThat(HumanBytes.format(24576)).isEqualTo("25 kB");
        assertThat(HumanBytes.format(20500)).isEqualTo("20 kB");
        assertThat(HumanBytes.format(2_150_000)).isEqualTo("2.2 MB");
        assertThat(HumanBytes.format(82_854_982)).isEqualTo("83 MB");
        assertThat(HumanBytes.format(2_147_483_648L)).isEqualTo("2.1 GB");
    }

    @Test
    void failureThrowsEtcdsError() {
        maintenance.status = Answer.failing(EtcdError.STOPPED.exception());
        assertThatThrownBy(() -> Shell.run(new StatusCommand(), maintenance, cluster))
                .isInstanceOf(EtcdException.class).hasMessage("etcdserver: server stopped");
    }
}
