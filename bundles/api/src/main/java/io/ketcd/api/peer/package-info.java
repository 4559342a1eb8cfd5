/**
 * The member-to-member transport contract, modelled on etcd's rafthttp: the server hands raft
 * messages to a {@link io.ketcd.api.peer.PeerTransport} and receives its peers' messages through
 * the {@link io.ketcd.api.peer.RaftReceiver} it implements. {@code bundles/peer} provides the
 * implementation on Grizzly; the server depends only on this package, so the transport is a
 * swappable service like the raft core.
 */
@Export
@Version("0.3.0")
package io.ketcd.api.peer;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
