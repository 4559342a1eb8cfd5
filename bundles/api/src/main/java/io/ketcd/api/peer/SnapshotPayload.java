package io.ketcd.api.peer;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The backend contents that travel after a {@code MsgSnap}: a consistent point-in-time copy,
 * written in the storage bundle's self-checking dump format.
 */
public interface SnapshotPayload extends AutoCloseable {

    /** Writes the whole payload; may be called again after a failed attempt. */
    void writeTo(OutputStream out) throws IOException;

    /** Releases the point-in-time copy. */
    @Override
    void close();
}
