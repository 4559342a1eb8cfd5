package io.ketcd.grpc;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2HeadersEncoder;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * An HTTP/2 client written frame by frame, for requests no gRPC library sends: malformed
 * headers, and watching whether the server answers a stream with a status or resets it. One
 * thread; every read waits at most 10 s. Public for the itests' bad-input suite (test-jar).
 */
public final class RawHttp2Client implements AutoCloseable {
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7,
            CONTINUATION = 9;
    private static final int END_STREAM = 0x1, ACK = 0x1, END_HEADERS = 0x4;
    private static final int MAX_FRAME = 16_384;

    /** How a stream ended: with trailers (a gRPC status) or with RST_STREAM and its error code. */
    public record StreamEnd(Http2Headers trailers, long resetCode) {
        public String grpcStatus() {
            return trailers == null ? null : String.valueOf(trailers.get("grpc-status"));
        }

        public String grpcMessage() {
            return trailers == null ? null : String.valueOf(trailers.get("grpc-message"));
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder =
            new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, true);
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false, Integer.MAX_VALUE);
    private final Map<Integer, StreamEnd> ended = new HashMap<>();

    public RawHttp2Client(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        out.write(PREFACE);
        writeFrame(SETTINGS, 0, 0, new byte[0]);
    }

    /** A gRPC request's headers for {@code path}, to which a test adds or changes its own. */
    public static Http2Headers requestHeaders(String path) {
        return new DefaultHttp2Headers()
                .method("POST").scheme("http").path(path).authority("127.0.0.1")
                .add("content-type", "application/grpc").add("te", "trailers");
    }

    /** Sends {@code headers} and {@code message} as one unary request on {@code streamId}. */
    public void unary(int streamId, Http2Headers headers, byte[] message) throws IOException {
        ByteBuf block = Unpooled.buffer();
        try {
            encoder.encodeHeaders(streamId, headers, block);
        } catch (Http2Exception e) {
            throw new IOException(e);
        }
        byte[] bytes = new byte[block.readableBytes()];
        block.readBytes(bytes);
        block.release();
        for (int offset = 0; offset < bytes.length || offset == 0; offset += MAX_FRAME) {
            int length = Math.min(MAX_FRAME, bytes.length - offset);
            boolean last = offset + length >= bytes.length;
            byte[] chunk = java.util.Arrays.copyOfRange(bytes, offset, offset + length);
            writeFrame(offset == 0 ? HEADERS : CONTINUATION, last ? END_HEADERS : 0, streamId, chunk);
            if (last) {
                break;
            }
        }
        byte[] framed = new byte[5 + message.length];
        framed[1] = (byte) (message.length >>> 24);
        framed[2] = (byte) (message.length >>> 16);
        framed[3] = (byte) (message.length >>> 8);
        framed[4] = (byte) message.length;
        System.arraycopy(message, 0, framed, 5, message.length);
        writeFrame(DATA, END_STREAM, streamId, framed);
        out.flush();
    }

    /** Reads frames until {@code streamId} ends; throws EOFException when the connection ends first. */
    public StreamEnd awaitEnd(int streamId) throws IOException {
        while (!ended.containsKey(streamId)) {
            readFrame();
        }
        return ended.get(streamId);
    }

    private void readFrame() throws IOException {
        int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int streamId = in.readInt() & 0x7fff_ffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        switch (type) {
            case SETTINGS -> {
                if ((flags & ACK) == 0) {
                    writeFrame(SETTINGS, ACK, 0, new byte[0]);
                    out.flush();
                }
            }
            case PING -> {
                if ((flags & ACK) == 0) {
                    writeFrame(PING, ACK, 0, payload);
                    out.flush();
                }
            }
            case HEADERS -> {
                // the server sends no padding or priority, and no CONTINUATION for its few headers
                Http2Headers headers;
                try {
                    headers = decoder.decodeHeaders(streamId, Unpooled.wrappedBuffer(payload));
                } catch (Http2Exception e) {
                    throw new IOException(e);
                }
                if ((flags & END_STREAM) != 0) {
                    ended.put(streamId, new StreamEnd(headers, -1));
                }
            }
            case RST_STREAM -> ended.put(streamId, new StreamEnd(null,
                    ((payload[0] & 0xffL) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8) | (payload[3] & 0xff)));
            case GOAWAY -> throw new EOFException("GOAWAY " + new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8));
            default -> {
                // DATA, WINDOW_UPDATE: nothing a test looks at
            }
        }
    }

    private void writeFrame(int type, int flags, int streamId, byte[] payload) throws IOException {
        byte[] header = {
            (byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
            (byte) type, (byte) flags,
            (byte) (streamId >>> 24), (byte) (streamId >>> 16), (byte) (streamId >>> 8), (byte) streamId};
        out.write(header);
        out.write(payload);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
