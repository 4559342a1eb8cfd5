package io.ketcd.api.peer;

import io.ketcd.proto.etcdserverpb.Member;

import java.util.List;

/**
 * A cluster as a running member describes it on its peer {@code /members} endpoint.
 *
 * @param clusterId the cluster's id
 * @param members its members (id, name, peer URLs, client URLs, learner flag)
 */
public record RemoteCluster(long clusterId, List<Member> members) {

    public RemoteCluster {
        members = List.copyOf(members);
    }
}
