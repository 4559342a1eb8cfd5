/**
 * Cluster tests written once: {@link io.ketcd.testing.cluster.ClusterScenarios} runs over any
 * {@link io.ketcd.testing.cluster.TestCluster} (the server's in-memory network, the embedded
 * members' real peer transport), using members through their service facets; {@link
 * io.ketcd.testing.cluster.Writers}, {@link io.ketcd.testing.cluster.AppliedIndexWatch} and
 * {@link io.ketcd.testing.cluster.CountingRaftCore} serve tests that change a cluster under load.
 */
package io.ketcd.testing.cluster;
