package io.ketcd.peer.internal;

import io.ketcd.proto.raftpb.Message;
import io.ketcd.proto.raftpb.MessageType;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

import com.google.protobuf.CodedOutputStream;

/** The frame codec of streams and snapshots (see {@code package-info.java}). */
public final class Frames {
    /** The largest message a frame or a pipeline body may hold. */
    public static final int MAX_FRAME_BYTES = 64 << 20;

    /** etcd's linkHeartbeatMessage: an empty {@code MsgHeartbeat}, never handed to raft. */
    static final Message LINK_HEARTBEAT = Message.newBuilder().setType(MessageType.MsgHeartbeat).build();

    /** A frame or body that breaks the wire format (too large, truncated, not a message). */
    static final class BadFrameException extends IOException {
        private static final long serialVersionUID = 1L;

        BadFrameException(String message) {
            super(message);
        }

        BadFrameException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Frames() {
    }

    static boolean isLinkHeartbeat(Message m) {
        return m.equals(LINK_HEARTBEAT);
    }

    /** Writes {@code m} as one frame, in one write (not flushed). */
    static void write(OutputStream out, Message m) throws IOException {
        out.write(encode(m));
    }

    /**
     * Frames for one write: a stream writer adds the messages it took from its queue and writes
     * them with one call, since each write to a Grizzly response stream passes its filter chain
     * (and a write per header byte cost a fifth of the writer's CPU). The buffer is reused; one
     * grown past {@link #KEPT_BYTES} by a large message is let go after its write. Not thread-safe.
     */
    static final class Batch {
        /** A batch this large is written before more is added. */
        static final int FULL_BYTES = 256 * 1024;
        private static final int KEPT_BYTES = 1024 * 1024;
        private byte[] buf = new byte[16 * 1024];
        private int len;

        /** Adds {@code m} as one frame. */
        void add(Message m) throws IOException {
            int n = m.getSerializedSize();
            ensure(8 + n);
            putLong(buf, len, n);
            CodedOutputStream coded = CodedOutputStream.newInstance(buf, len + 8, n);
            m.writeTo(coded);
            coded.checkNoSpaceLeft();
            len += 8 + n;
        }

        boolean full() {
            return len >= FULL_BYTES;
        }

        boolean isEmpty() {
            return len == 0;
        }

        /** Writes the frames added since the last write (not flushed) and empties the batch. */
        void writeTo(OutputStream out) throws IOException {
            try {
                out.write(buf, 0, len);
            } finally {
                len = 0;
                if (buf.length > KEPT_BYTES) {
                    buf = new byte[16 * 1024];
                }
            }
        }

        private void ensure(int more) {
            long needed = (long) len + more;
            if (needed > buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(needed, 2L * buf.length)));
            }
        }
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    /** Frame bytes of {@code m}. */
    static byte[] encode(Message m) {
        byte[] bytes = m.toByteArray();
        byte[] frame = new byte[8 + bytes.length];
        putLong(frame, 0, bytes.length);
        System.arraycopy(bytes, 0, frame, 8, bytes.length);
        return frame;
    }

    /**
     * Reads one frame; null if the stream ends cleanly before its first byte.
     *
     * @throws BadFrameException if the frame is too large, truncated or not a message
     */
    static Message read(InputStream in) throws IOException {
        byte[] head = new byte[8];
        int got = readFully(in, head, 0, 8);
        if (got == 0) {
            return null;
        }
        if (got < 8) {
            throw new BadFrameException("truncated frame header");
        }
        long n = 0;
        for (int i = 0; i < 8; i++) {
            n = (n << 8) | (head[i] & 0xff);
        }
        if (n < 0 || n > MAX_FRAME_BYTES) {
            throw new BadFrameException("frame of " + Long.toUnsignedString(n) + " bytes exceeds the limit of " + MAX_FRAME_BYTES);
        }
        byte[] body = new byte[(int) n];
        if (readFully(in, body, 0, body.length) < body.length) {
            throw new BadFrameException("truncated frame: " + n + " bytes announced");
        }
        return parse(body);
    }

    /** Parses a pipeline body or frame payload. */
    static Message parse(byte[] bytes) throws BadFrameException {
        try {
            return Message.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new BadFrameException("not a raft message: " + e.getMessage(), e);
        }
    }

    static void writeInt(OutputStream out, int v) throws IOException {
        for (int shift = 24; shift >= 0; shift -= 8) {
            out.write(v >>> shift);
        }
    }

    /** Reads up to {@code len} bytes; returns how many were read before the end of the stream. */
    static int readFully(InputStream in, byte[] b, int off, int len) throws IOException {
        int total = 0;
        while (total < len) {
            int r = in.read(b, off + total, len - total);
            if (r < 0) {
                break;
            }
            total += r;
        }
        return total;
    }

    static void readExactly(InputStream in, byte[] b, int off, int len, String what) throws IOException {
        if (readFully(in, b, off, len) < len) {
            throw new EOFException(what);
        }
    }
}
