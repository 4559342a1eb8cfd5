package io.ketcd.grpc;

import io.grpc.Codec;
import io.grpc.CompressorRegistry;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** A client's "gzip" that writes bytes no gzip reader accepts: the corrupt compressed message of the bad-input tests. */
public final class CorruptGzip {
    private CorruptGzip() {
    }

    /** A registry whose "gzip" compressor flips every byte. */
    public static CompressorRegistry registry() {
        CompressorRegistry registry = CompressorRegistry.newEmptyInstance();
        registry.register(new Codec() {
            @Override
            public String getMessageEncoding() {
                return "gzip";
            }

            @Override
            public OutputStream compress(OutputStream os) {
                return new FilterOutputStream(os) {
                    @Override
                    public void write(int b) throws IOException {
                        out.write(b ^ 0x5a);
                    }
                };
            }

            @Override
            public InputStream decompress(InputStream is) {
                return is;
            }
        });
        return registry;
    }
}
