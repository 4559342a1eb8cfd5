/**
 * The peer transport's implementation, modelled on etcd's rafthttp. Private to the bundle.
 *
 * <h2>Endpoints (served on every peer listener)</h2>
 * The listeners are the ones the listener factory opened for {@code listen-peer-urls}; {@link
 * io.ketcd.host.GrizzlyListenerServer} serves them on their own channels, with TLS for {@code
 * https} (the peer policy decides whether a client certificate is required); {@code unix} and
 * {@code unixs} listeners are served through the Grizzly host's relay. This member dials only
 * {@code http} and {@code https} peer URLs (the JDK's HTTP client has no Unix domain sockets):
 * a peer's Unix URLs are skipped with a warning.
 * <ul>
 *   <li>{@code POST /raft}: the pipeline. The body is one raw protobuf {@code raftpb.Message}
 *       (as etcd), at most {@link io.ketcd.peer.internal.Frames#MAX_FRAME_BYTES}; 204 when the
 *       receiver took it, 503 when it did not.</li>
 *   <li>{@code GET /raft/stream/message/<fromHex>} and {@code GET /raft/stream/msgappv2/<fromHex>}:
 *       long-lived streams. The member that sends the GET reads; the member that answers writes
 *       its messages for the requester into the (chunked) response body as frames. The
 *       {@code msgappv2} stream carries {@code MsgApp} only, the {@code message} stream every
 *       other type.</li>
 *   <li>{@code POST /raft/snapshot}: one frame holding the {@code MsgSnap}, then the snapshot
 *       payload in chunks (below).</li>
 *   <li>{@code GET /raft/probing}, {@code GET /version}, {@code GET /members}: as etcd.</li>
 *   <li>{@code POST /members/promote/<decimal id>}: etcd's forwarded promote, sent by a follower
 *       to the leader ({@code PeerTransport.promoteMember}) and answered from {@code
 *       RaftReceiver.promoteMember} with the response suspended, bounded by {@link
 *       io.ketcd.peer.internal.Timeouts#requestTimeout()}: 200 and the {@code /members} JSON;
 *       404 member not found (also, as etcd, {@code member <id> not found in cluster} for an id
 *       that is not decimal); 412 not a learner / learner not ready; 500 with the error's text
 *       for any other error. No header checks (etcd's follower sends none here). {@link
 *       io.ketcd.peer.internal.MemberPromote} has the client's mapping back to errors.</li>
 *   <li>{@code POST /leases} and {@code POST /leases/internal}: etcd's forwarded lease renew and
 *       time-to-live ({@code lease/leasehttp}), sent by a follower to the leader ({@code
 *       PeerTransport.renewLease}, {@code leaseTimeToLive}) with protobuf bodies ({@code
 *       LeaseKeepAliveRequest} / {@code leasepb.LeaseInternalRequest}) and answered from the
 *       receiver: 200 and the protobuf answer; 404 {@code lease not found}; 408 when the leader
 *       has not applied what it committed; 400 otherwise. {@link
 *       io.ketcd.peer.internal.LeaseForward} has both sides.</li>
 * </ul>
 * Both forwarded kinds share {@link io.ketcd.peer.internal.LeaderForwarding}: the bound on
 * requests in flight, the request timeout on either side, and the walk over the leader's URLs.
 *
 * <h2>Wire format</h2>
 * <ul>
 *   <li><b>Frame</b> (streams and the snapshot's head, as etcd's messageEncoder): an 8-byte
 *       big-endian unsigned length {@code n}, then {@code n} bytes of a protobuf
 *       {@code raftpb.Message}. A length above {@link io.ketcd.peer.internal.Frames#MAX_FRAME_BYTES}
 *       (64 MiB) is rejected: 400 on a request, the stream is closed on a stream.</li>
 *   <li><b>Link heartbeat</b> (etcd's linkHeartbeatMessage): a frame holding a {@code
 *       MsgHeartbeat} with every other field zero, written by a stream writer that has been idle
 *       for {@link io.ketcd.peer.internal.Timeouts#linkHeartbeat()} (etcd: ConnReadTimeout / 3).
 *       Readers drop it; a reader that sees no byte for {@link
 *       io.ketcd.peer.internal.Timeouts#connReadTimeout()} (5 s) closes the stream and redials.</li>
 *   <li><b>Snapshot payload</b> (ketcd's own; etcd relies on the HTTP body's end): after the
 *       {@code MsgSnap} frame, chunks of a 4-byte big-endian length {@code 1..1 MiB} and that
 *       many bytes, ended by a zero length. A body that ends before the zero length is a
 *       truncated snapshot: the receiver's stream throws {@link java.io.EOFException}, whatever
 *       the HTTP framing did, so a sender that fails midway can never look like a short, complete
 *       dump.</li>
 * </ul>
 *
 * <h2>Headers</h2> Every request carries {@code X-Server-From} (hex member id), {@code
 * X-Server-Version}, {@code X-Min-Cluster-Version} ({@code 3.0.0}), {@code X-Etcd-Cluster-ID}
 * (hex) and, on streams, {@code X-Raft-To}, as etcd's rafthttp sends them (checked against etcd
 * 3.4.23: it answers a ketcd pipeline POST with 204).
 *
 * <h2>Answers</h2> As etcd, with Go's {@code http.Error} bodies: 405 + {@code Allow} for a wrong
 * method; 412 {@code incompatible version} / {@code cluster ID mismatch} (with the local {@code
 * X-Etcd-Cluster-ID}); 410 {@code removed member} when {@code RaftReceiver.isRemoved(from)}; 404
 * {@code error sender not found} for a sender that is neither a peer nor a member (a stream needs
 * a peer); 412 {@code to field mismatch} for a stream whose {@code X-Raft-To} is not this member;
 * 400 for a body that is too large, truncated or not a message; 503 when {@code
 * RaftReceiver.process} returns false. A snapshot the receiver refuses is 400 when the payload
 * was truncated or corrupt (the transport's framing failed, or the receiver threw {@link
 * java.io.EOFException} or {@link java.io.StreamCorruptedException}) and 500 for any other
 * IOException (storage). Every refusal is logged once at WARN with the remote address.
 *
 * <h2>Threads and queues</h2> Every thread is a daemon named {@code ketcd-peer-<localIdHex>-...}
 * (the JDK client's own selector thread excepted) and stopped by {@code close()}. Per listener:
 * one Grizzly selector thread, one idle-timeout timer thread and up to 64 worker threads (a stream a peer reads from us holds one
 * for its lifetime), worker queue 256. Per peer: 2 stream readers and 4 pipeline senders; queues
 * of 4096 messages per stream and 64 for the pipeline (etcd's sizes); a full queue drops the
 * message and reports the peer unreachable. Per transport: up to 64 threads for the JDK HTTP
 * client, 2 snapshot senders with 4 waiting snapshots (more are refused and reported failed), and
 * a 256 KiB pipe per snapshot in flight, one promote thread (timeouts and answers, and the stream
 * readers' watchdogs) with at most 16
 * promotes in flight each way. Nothing is unbounded.
 *
 * <h2>Dialing</h2> {@link io.ketcd.peer.internal.PeerClient}: {@code http} peer URLs plain,
 * {@code https} ones with the peer policy's client context (the member's peer certificate, for
 * mutual TLS) and client parameters. The two streams a member reads from each peer are dialed on
 * sockets of their own ({@link io.ketcd.peer.internal.StreamConnection}) and read by the stream
 * reader's thread; every other request goes through the JDK's HTTP client. An {@code https} URL while the policy is disabled is never
 * dialed: it fails at once, naming the missing flags. The failures of a peer that is not active
 * are logged once until it becomes active (a refused certificate is one warning, not one per
 * retry).
 */
package io.ketcd.peer.internal;
