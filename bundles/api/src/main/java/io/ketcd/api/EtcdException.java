package io.ketcd.api;

/**
 * A request failed with one of etcd's client-visible errors. The gRPC layer turns it into a
 * status with {@link EtcdError#code()} and {@link EtcdError#message()}; the request did not change
 * any state unless the error says otherwise (etcd's errors never describe a partial write).
 */
public final class EtcdException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient EtcdError error;

    public EtcdException(EtcdError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public EtcdError error() {
        return error;
    }
}
