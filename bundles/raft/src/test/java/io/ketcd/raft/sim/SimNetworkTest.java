package io.ketcd.raft.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

class SimNetworkTest {

    private static Message msg(long from, long to, MessageType type, long index) {
        return Message.newBuilder().setFrom(from).setTo(to).setType(type).setIndex(index).build();
    }

    private static List<SimNetwork.Delivery> drain(SimNetwork net) {
        List<SimNetwork.Delivery> out = new ArrayList<>();
        for (SimNetwork.Delivery d = net.next(); d != null; d = net.next()) {
            out.add(d);
        }
        return out;
    }

    private static Map<SimNetwork.Fate, Integer> fates(List<SimNetwork.Delivery> ds) {
        Map<SimNetwork.Fate, Integer> m = new EnumMap<>(SimNetwork.Fate.class);
        for (SimNetwork.Delivery d : ds) {
            m.merge(d.fate(), 1, Integer::sum);
        }
        return m;
    }

    @Test
    void deliversEveryMessageOnceInSomeOrderWhenFaultless() {
        SimNetwork net = new SimNetwork(new Random(7));
        for (int i = 0; i < 100; i++) {
            net.send(msg(1, 2, MessageType.MsgApp, i));
        }
        List<SimNetwork.Delivery> ds = drain(net);
        assertEquals(100, ds.size());
        assertEquals(Map.of(SimNetwork.Fate.DELIVER, 100), fates(ds));
        List<Long> order = ds.stream().map(d -> d.message().getIndex()).toList();
        assertEquals(100, order.stream().distinct().count());
        assertTrue(!order.equals(order.stream().sorted().toList()), "messages are reordered");
        assertNull(net.next());
    }

    @Test
    void theSameSeedGivesTheSameDeliveries() {
        List<String> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            SimNetwork net = new SimNetwork(new Random(42));
            net.dropProbability(0.2);
            net.duplicateProbability(0.2);
            for (int i = 0; i < 50; i++) {
                net.send(msg(1 + i % 3, 1 + (i + 1) % 3, MessageType.MsgHeartbeat, i));
            }
            StringBuilder sb = new StringBuilder();
            for (SimNetwork.Delivery d : drain(net)) {
                sb.append(d.message().getIndex()).append(d.fate()).append(' ');
            }
            runs.add(sb.toString());
        }
        assertEquals(runs.get(0), runs.get(1));
    }

    @Test
    void dropsAndDuplicatesAtTheirRates() {
        SimNetwork net = new SimNetwork(new Random(1));
        net.dropProbability(0.25);
        net.duplicateProbability(0.5);
        for (int i = 0; i < 4000; i++) {
            net.send(msg(1, 2, MessageType.MsgApp, i));
        }
        Map<SimNetwork.Fate, Integer> f = fates(drain(net));
        int dropped = f.get(SimNetwork.Fate.DROP_RANDOM);
        int ended = f.get(SimNetwork.Fate.DELIVER);
        // a copy is dropped (p 0.25), or delivered and duplicated (0.375), or delivered for good (0.375):
        // each message's chain of copies ends exactly once, in a drop with probability 0.25/0.625
        assertEquals(4000, dropped + ended);
        assertTrue(Math.abs(dropped - 1600) < 150, "dropped " + dropped);
        int duplicated = f.get(SimNetwork.Fate.DUPLICATE);
        assertTrue(Math.abs(duplicated - 2400) < 250, "duplicated " + duplicated);
    }

    @Test
    void partitionsCutsIgnoresAndHooksDropUntilHealed() {
        SimNetwork net = new SimNetwork(new Random(3));
        net.partition(List.of(1L), List.of(2L, 3L));
        net.cut(2, 3);
        net.ignore(MessageType.MsgVote);
        net.hook(m -> m.getIndex() != 99);
        net.send(msg(1, 2, MessageType.MsgApp, 1));
        net.send(msg(3, 1, MessageType.MsgApp, 2));
        net.send(msg(2, 3, MessageType.MsgApp, 3));
        net.send(msg(3, 2, MessageType.MsgApp, 4));
        net.send(msg(3, 2, MessageType.MsgVote, 5));
        net.send(msg(3, 2, MessageType.MsgApp, 99));
        Map<Long, SimNetwork.Fate> byIndex = new java.util.TreeMap<>();
        for (SimNetwork.Delivery d : drain(net)) {
            byIndex.put(d.message().getIndex(), d.fate());
        }
        assertEquals(Map.of(1L, SimNetwork.Fate.DROP_CUT, 2L, SimNetwork.Fate.DROP_CUT, 3L, SimNetwork.Fate.DROP_CUT,
                4L, SimNetwork.Fate.DELIVER, 5L, SimNetwork.Fate.DROP_IGNORED, 99L, SimNetwork.Fate.DROP_HOOK), byIndex);

        net.heal();
        net.clearHooks();
        net.send(msg(1, 2, MessageType.MsgApp, 1));
        net.send(msg(3, 2, MessageType.MsgVote, 5));
        net.send(msg(3, 2, MessageType.MsgApp, 99));
        assertEquals(Map.of(SimNetwork.Fate.DELIVER, 3), fates(drain(net)));
    }

    @Test
    void isolateCutsEveryLinkOfOneNode() {
        SimNetwork net = new SimNetwork(new Random(5));
        net.isolate(2, List.of(1L, 2L, 3L));
        assertTrue(net.isCut(1, 2) && net.isCut(2, 1) && net.isCut(2, 3) && net.isCut(3, 2));
        assertTrue(!net.isCut(1, 3) && !net.isCut(3, 1));
        assertEquals("1->2,2->1,2->3,3->2", net.describeCuts());
    }
}
