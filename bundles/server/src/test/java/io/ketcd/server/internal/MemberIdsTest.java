package io.ketcd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

class MemberIdsTest {

    @Test
    void matchesEtcdForItsDefaultSingleMember() {
        // a plain `etcd` reports member 8e9e05c52164694d in cluster cdf818194e3a8c32
        long member = MemberIds.memberId(List.of(URI.create("http://localhost:2380")), "etcd-cluster");
        assertThat(MemberIds.hex(member)).isEqualTo("8e9e05c52164694d");
        assertThat(MemberIds.hex(MemberIds.clusterId(List.of(member)))).isEqualTo("cdf818194e3a8c32");
    }

    @Test
    void peerUrlOrderDoesNotMatter() {
        URI a = URI.create("http://10.0.0.1:2380");
        URI b = URI.create("http://10.0.0.2:2380");
        assertThat(MemberIds.memberId(List.of(a, b), "t")).isEqualTo(MemberIds.memberId(List.of(b, a), "t"));
        assertThat(MemberIds.memberId(List.of(a), "t")).isNotEqualTo(MemberIds.memberId(List.of(a), "u"));
    }

    @Test
    void initialClusterKeepsSeveralUrlsPerName() {
        InitialCluster c = InitialCluster.parse("a=http://h:1,b=http://h:2,a=http://h:3");
        assertThat(c.members()).containsOnlyKeys("a", "b");
        assertThat(c.members().get("a")).containsExactly(URI.create("http://h:1"), URI.create("http://h:3"));
    }
}
