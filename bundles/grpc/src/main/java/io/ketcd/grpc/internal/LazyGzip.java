package io.ketcd.grpc.internal;

import io.grpc.Codec;
import io.grpc.Decompressor;
import io.grpc.DecompressorRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * gzip for request messages that reads the gzip header on the first read, not when the message
 * arrives.
 *
 * <p>grpc-java's own gzip opens a {@link GZIPInputStream}, which reads the header at once, in
 * the transport's deframer: a message that is no gzip then fails there and the client gets
 * UNKNOWN without a message. Read lazily, every decompression error surfaces where {@link
 * RequestDecoding} reads the message and is answered INTERNAL "grpc: failed to decompress the
 * received message: ...", as grpc-go answers.
 */
final class LazyGzip implements Decompressor {
    /** grpc-java's default decompressors (gzip and identity) with this gzip. */
    static DecompressorRegistry registry() {
        return DecompressorRegistry.emptyInstance()
                .with(new LazyGzip(), true)
                .with(Codec.Identity.NONE, false);
    }

    @Override
    public String getMessageEncoding() {
        return "gzip";
    }

    @Override
    public InputStream decompress(InputStream compressed) {
        return new InputStream() {
            private InputStream gzip;

            private InputStream gzip() throws IOException {
                if (gzip == null) {
                    gzip = new GZIPInputStream(compressed);
                }
                return gzip;
            }

            @Override
            public int read() throws IOException {
                return gzip().read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return gzip().read(b, off, len);
            }

            @Override
            public void close() throws IOException {
                (gzip == null ? compressed : gzip).close();
            }
        };
    }
}
