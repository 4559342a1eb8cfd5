package io.ketcd.api.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.ketcd.proto.raftpb.Entry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MemoryStorage's log bounds, compaction, snapshots and the size rule of {@code entries}. */
class MemoryStorageTest {

    /** Entries at {@code firstIndex}, {@code firstIndex + 1}, ... with the given terms. */
    private static List<Entry> entries(long firstIndex, long... terms) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            out.add(Entry.newBuilder().setIndex(firstIndex + i).setTerm(terms[i]).build());
        }
        return out;
    }

    @Test
    void compactsAndGuardsRanges() {
        MemoryStorage ms = MemoryStorage.withVoters(1);
        ms.append(entries(1, 1, 1, 2, 2, 3));
        ms.compact(3);
        assertThat(ms.firstIndex()).isEqualTo(4);
        assertThat(ms.lastIndex()).isEqualTo(5);
        assertThat(ms.term(3)).as("term of the compaction point stays known").isEqualTo(2);
        assertThatThrownBy(() -> ms.term(2)).isInstanceOf(CompactedException.class);
        assertThatThrownBy(() -> ms.entries(3, 5, Long.MAX_VALUE)).isInstanceOf(CompactedException.class);
        assertThatThrownBy(() -> ms.entries(4, 7, Long.MAX_VALUE)).isInstanceOf(UnavailableException.class);
        assertThatThrownBy(() -> ms.compact(3)).isInstanceOf(CompactedException.class);
        assertThat(ms.entries(4, 6, 0)).as("at least one entry despite the size limit").hasSize(1);

        // appending over the compacted prefix keeps only the new part, and replaces a conflict
        ms.append(entries(3, 2, 4, 4));
        assertThat(ms.lastIndex()).isEqualTo(5);
        assertThat(ms.term(4)).isEqualTo(4);
    }

    @Test
    void rejectsOutdatedSnapshots() {
        MemoryStorage ms = MemoryStorage.withVoters(1);
        ms.append(entries(1, 1, 1, 1));
        ms.createSnapshot(2, null, ByteString.EMPTY);
        assertThatThrownBy(() -> ms.createSnapshot(2, null, ByteString.EMPTY)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ms.createSnapshot(4, null, ByteString.EMPTY)).isInstanceOf(UnavailableException.class);
        assertThatThrownBy(() -> ms.applySnapshot(ms.snapshot())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void entriesStopAtTheSizeLimitButHandOutAtLeastOne() {
        MemoryStorage ms = MemoryStorage.withVoters(1);
        ms.append(entries(1, 1, 1, 1));
        long one = ms.entries(1, 2, Long.MAX_VALUE).get(0).getSerializedSize();

        assertThat(ms.entries(1, 4, 2 * one)).extracting(Entry::getIndex).containsExactly(1L, 2L);
        assertThat(ms.entries(1, 4, 2 * one - 1)).extracting(Entry::getIndex).containsExactly(1L);
        assertThat(ms.entries(1, 4, Long.MAX_VALUE)).hasSize(3);
        assertThat(ms.entries(2, 2, 0)).as("an empty range").isEmpty();
    }
}
