package io.ketcd.server.internal;

import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.raftpb.ConfChange;
import io.ketcd.proto.raftpb.ConfState;
import io.ketcd.proto.raftpb.HardState;
import io.ketcd.proto.raftpb.ConfChangeType;
import io.ketcd.proto.raftpb.Entry;
import io.ketcd.proto.raftpb.EntryType;
import io.ketcd.server.ServerConfig;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A new cluster's identity and the configuration entries that add its initial members. */
record Bootstrap(long memberId, long clusterId, List<Member> members, List<Entry> entries) {

    static Bootstrap newCluster(ServerConfig config) {
        InitialCluster cluster = InitialCluster.parse(config.initialCluster());
        List<URI> own = cluster.members().get(config.name());
        if (own == null) {
            throw new IllegalArgumentException("couldn't find local name \"" + config.name()
                    + "\" in the initial cluster configuration");
        }
        if (!new HashSet<>(own).equals(new HashSet<>(config.initialAdvertisePeerUrls()))) {
            throw new IllegalArgumentException("--initial-cluster has " + config.name() + "=" + own
                    + " but missing from --initial-advertise-peer-urls=" + config.initialAdvertisePeerUrls());
        }
        Map<Long, Member> members = new TreeMap<>(Long::compareUnsigned);
        for (Map.Entry<String, List<URI>> m : cluster.members().entrySet()) {
            long id = MemberIds.memberId(m.getValue(), config.initialClusterToken());
            Member.Builder b = Member.newBuilder().setID(id).setName(m.getKey());
            m.getValue().forEach(u -> b.addPeerURLs(u.toString()));
            if (members.put(id, b.build()) != null) {
                throw new IllegalArgumentException("--initial-cluster has duplicate peer URLs: " + m.getValue());
            }
        }
        long memberId = MemberIds.memberId(own, config.initialClusterToken());
        long clusterId = MemberIds.clusterId(members.keySet());
        List<Entry> entries = new ArrayList<>();
        for (Member m : members.values()) {
            ConfChange cc = ConfChange.newBuilder().setType(ConfChangeType.ConfChangeAddNode)
                    .setNodeId(m.getID()).setContext(m.toByteString()).build();
            entries.add(Entry.newBuilder().setTerm(1).setIndex(entries.size() + 1)
                    .setType(EntryType.EntryConfChange).setData(cc.toByteString()).build());
        }
        return new Bootstrap(memberId, clusterId, List.copyOf(members.values()), entries);
    }

    /** Term 1, every configuration entry committed. */
    HardState hardState() {
        return HardState.newBuilder().setTerm(1).setCommit(entries.size()).build();
    }

    /** Every initial member votes. */
    ConfState confState() {
        ConfState.Builder b = ConfState.newBuilder();
        members.forEach(m -> b.addVoters(m.getID()));
        return b.build();
    }
}
