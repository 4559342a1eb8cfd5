package io.ketcd.peer.internal;

/**
 * The channels a raft message travels by between two members, as etcd's rafthttp picks them: the
 * pipeline, the two long-lived streams, and the snapshot sender, each served on its own HTTP path
 * of the peer port. Messages are counted per channel and transport, for tests and metrics.
 */
public enum PeerChannel {
    /** {@code POST /raft}. */
    PIPELINE,
    /** {@code GET /raft/stream/message/...}: every type but {@code MsgApp} (and {@code MsgApp} until msgappv2 attaches). */
    STREAM_MESSAGE,
    /** {@code GET /raft/stream/msgappv2/...}: {@code MsgApp}. */
    STREAM_MSGAPP,
    /** {@code POST /raft/snapshot}. */
    SNAPSHOT;

    /** The stream's path element ({@code message} or {@code msgappv2}). */
    String streamType() {
        return switch (this) {
            case STREAM_MESSAGE -> "message";
            case STREAM_MSGAPP -> "msgappv2";
            default -> throw new IllegalStateException(this + " is not a stream");
        };
    }
}
