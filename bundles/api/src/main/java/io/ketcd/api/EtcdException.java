package io.ketcd.api;

/**
 * A request failed with one of etcd's client-visible errors. The gRPC layer turns it into a
 * status with {@link #code()} and {@link EtcdError#message()}; the request did not change
 * any state unless the error says otherwise (etcd's errors never describe a partial write).
 */
public final class EtcdException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient EtcdError error;
    private final transient StatusCode code;

    public EtcdException(EtcdError error) {
        this(error, error.code());
    }

    private EtcdException(EtcdError error, StatusCode code) {
        super(error.message(), null, false, false);
        this.error = error;
        this.code = code;
    }

    /**
     * {@code error} as etcd's server-side recipes (v3lock, v3election) return the errors of the
     * requests they make through their internal client: etcd's message with status UNKNOWN.
     */
    public static EtcdException relayed(EtcdError error) {
        return new EtcdException(error, StatusCode.UNKNOWN);
    }

    public EtcdError error() {
        return error;
    }

    /** The gRPC status code to answer with: {@link EtcdError#code()} unless {@link #relayed}. */
    public StatusCode code() {
        return code;
    }
}
