/**
 * The peer transport's implementation, modelled on etcd's rafthttp. Private to the bundle.
 *
 * <h2>Endpoints (served on every {@code listen-peer-url})</h2>
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
 * </ul>
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
 * (hex) and, on streams, {@code X-Raft-To}, as etcd's rafthttp sends them.
 */
package io.ketcd.peer.internal;
