package io.ketcd.api.raft;

import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;

/**
 * A confirmed read point: once the owner has applied entries up to {@code index}, a read for
 * the request identified by {@code requestContext} is linearizable.
 *
 * @param index the leader's commit index when the read was requested
 * @param requestContext the context passed to {@link RaftNode#readIndex(ByteString)}
 */
public record ReadState(long index, ByteString requestContext) {

    /**
     * Renders the context as escaped text: {@code ByteString.toString()} carries an identity
     * hash, which would make traces of the same run differ.
     */
    @Override
    public String toString() {
        return "ReadState[index=" + index + ", requestContext=\""
                + TextFormat.escapeBytes(requestContext) + "\"]";
    }
}
