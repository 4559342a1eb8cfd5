package io.ketcd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.ketcd.proto.etcdserverpb.WatchResponse;
import io.ketcd.proto.mvccpb.Event;
import io.ketcd.proto.mvccpb.KeyValue;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The watch workloads' keys and stamps, and how deliveries are counted and timed. */
class WatchCallsTest {
    private final Options o = Options.parse("watch-fanout", "--val-size", "16");

    @Test
    void keysAreTagVarintPadding() {
        assertThat(WatchCalls.key(o, WatchCalls.FANOUT_TAG, 300).toByteArray())
                .containsExactly('o', 0xd8, 0x04, 0, 0, 0, 0, 0);
        assertThat(WatchCalls.watchPrefix(WatchCalls.FANOUT_TAG).getCreateRequest().getRangeEnd())
                .isEqualTo(ByteString.copyFromUtf8("p"));
        // an odd tag below 0x80 never starts a put workload key (an even byte, or one from 0x80 up)
        for (byte tag : new byte[] {WatchCalls.LATENCY_TAG, WatchCalls.FANOUT_TAG, WatchCalls.MEMORY_TAG}) {
            assertThat(tag & 1).isOne();
        }
    }

    @Test
    void valuesCarryPhaseAndTicket() {
        ByteString v = WatchCalls.value(KvCalls.value(o), 2, 70_000);

        assertThat(v.size()).isEqualTo(16);
        assertThat(v.substring(8)).isEqualTo(KvCalls.value(o).substring(8));
        long stamp = WatchCalls.stamp(v);
        assertThat(WatchCalls.phaseOf(stamp)).isEqualTo(2);
        assertThat(WatchCalls.ticketOf(stamp)).isEqualTo(70_000);
        assertThat(WatchCalls.stamp(ByteString.copyFromUtf8("short"))).isEqualTo(WatchCalls.NO_STAMP);
    }

    private static WatchResponse events(ByteString filler, int phase, long... revisionTicketPairs) {
        WatchResponse.Builder r = WatchResponse.newBuilder();
        for (int i = 0; i < revisionTicketPairs.length; i += 2) {
            r.addEvents(Event.newBuilder().setKv(KeyValue.newBuilder().setModRevision(revisionTicketPairs[i])
                    .setValue(WatchCalls.value(filler, phase, (int) revisionTicketPairs[i + 1]))));
        }
        return r.build();
    }

    @Test
    void deliveriesTimeTheCurrentPhaseAndCountMissingAndOutOfOrder() {
        ByteString filler = KvCalls.value(o);
        Deliveries d = new Deliveries(2, 2);
        Deliveries.Phase phase = new Deliveries.Phase(7, 3);
        d.start(phase);
        phase.sentAt().set(0, 1_000);
        phase.sentAt().set(1, 2_000);
        phase.sentAt().set(2, 3_000);

        // stream 0 watcher 0: all three puts, in one response then a late one of another phase
        d.onEvents(0, 0, events(filler, 7, 10, 0, 11, 1, 12, 2), 5_000);
        d.onEvents(0, 0, events(filler, 6, 13, 0), 6_000);
        // stream 0 watcher 1: two of three
        d.onEvents(0, 1, events(filler, 7, 10, 0, 12, 2), 7_000);
        // stream 1 watcher 0: all three, the last one repeated
        d.onEvents(1, 0, events(filler, 7, 10, 0, 11, 1), 4_000);
        d.onEvents(1, 0, events(filler, 7, 12, 2, 12, 2), 9_000);
        // stream 1 watcher 1: nothing

        Deliveries.Outcome out = d.outcome(3);
        assertThat(out.latencies()).containsExactly(2_000, 2_000, 3_000, 3_000, 4_000, 4_000, 6_000, 6_000);
        assertThat(out.missing()).isEqualTo(1 + 3);
        assertThat(out.outOfOrder()).isEqualTo(1);
        assertThat(out.lastDeliveryAt()).isEqualTo(9_000);
        assertThat(phase.delivered().get()).isEqualTo(8);
        assertThat(d.awaitAll(2, Duration.ZERO)).isTrue(); // 8 events in all, as 2 for each of 4 watchers
        assertThat(d.awaitAll(3, Duration.ZERO)).isFalse();

        // a new phase starts from nothing; revisions still must rise past the old ones
        Deliveries.Phase next = new Deliveries.Phase(8, 1);
        d.start(next);
        next.sentAt().set(0, 10_000);
        d.onEvents(0, 0, events(filler, 8, 14, 0, 13, 0), 11_000);
        Deliveries.Outcome after = d.outcome(1);
        assertThat(after.latencies()).containsExactly(1_000);
        assertThat(after.outOfOrder()).isEqualTo(1);
        assertThat(after.missing()).isEqualTo(3);
    }
}
