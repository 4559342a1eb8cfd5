package io.ketcd.api.service;

import java.io.IOException;
import java.io.OutputStream;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A point-in-time copy of a member's backend, as etcd's {@code Maintenance/Snapshot} streams it
 * and {@code etcdctl snapshot save} stores it: the data, then its SHA-256 (32 bytes), the data a
 * whole number of 512-byte blocks. Writes to the member after the copy was taken are not in it,
 * and go on while it is written out. Close it to release the backend version it pins.
 */
@ProviderType
public interface BackendCopy extends AutoCloseable {

    /** The number of bytes {@link #writeTo} writes. */
    long size() throws IOException;

    /** Writes the whole copy to {@code out} (not closed); every call writes the same bytes. */
    void writeTo(OutputStream out) throws IOException;

    @Override
    void close();
}
