package io.ketcd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.ResponseHeader;

import java.util.List;

import org.junit.jupiter.api.Test;

/** etcd's checkHashKV rules, as {@link CorruptionCheck#inconsistent} applies them. */
class CorruptionCheckRulesTest {
    private static final long SELF = 1;

    private static HashKVResponse hash(long member, long revision, long compacted, int hash) {
        return HashKVResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setMemberId(member).setRevision(revision))
                .setCompactRevision(compacted).setHash(hash).build();
    }

    @Test
    void equalHashesAtTheSameCompactionAreConsistent() {
        HashKVResponse leader = hash(SELF, 20, 5, 77);
        assertThat(CorruptionCheck.inconsistent(SELF, leader, leader, List.of(hash(2, 20, 5, 77), hash(3, 20, 5, 77))))
                .isEmpty();
    }

    @Test
    void aPeerWithAnotherHashAtTheSameCompactionIsCorrupt() {
        HashKVResponse leader = hash(SELF, 20, 5, 77);
        assertThat(CorruptionCheck.inconsistent(SELF, leader, leader, List.of(hash(2, 20, 5, 77), hash(3, 20, 5, 78))))
                .containsExactly(3L);
    }

    @Test
    void aPeerAheadOfTheLeaderIsCorruptButOneCompactedLessIsNotJudgedByItsHash() {
        HashKVResponse leader = hash(SELF, 20, 5, 77);
        assertThat(CorruptionCheck.inconsistent(SELF, leader, leader, List.of(hash(2, 21, 5, 77)))).containsExactly(2L);
        assertThat(CorruptionCheck.inconsistent(SELF, leader, leader, List.of(hash(2, 20, 6, 77)))).containsExactly(2L);
        assertThat(CorruptionCheck.inconsistent(SELF, leader, leader, List.of(hash(2, 20, 4, 12)))).isEmpty();
    }

    @Test
    void theLeaderWhoseHashChangedWhileNothingElseDidIsCorrupt() {
        assertThat(CorruptionCheck.inconsistent(SELF, hash(SELF, 20, 5, 77), hash(SELF, 20, 5, 78), List.of()))
                .containsExactly(SELF);
        // a write in between explains a new hash
        assertThat(CorruptionCheck.inconsistent(SELF, hash(SELF, 20, 5, 77), hash(SELF, 21, 5, 78), List.of()))
                .isEmpty();
    }
}
