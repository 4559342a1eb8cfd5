package io.ketcd.api.service;

import io.ketcd.api.EtcdException;
import io.ketcd.proto.etcdserverpb.WatchResponse;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The client end of a watch stream as the member sees it, implemented by the bundle that
 * carries the stream (gRPC). The member calls it from one thread at a time.
 */
@ConsumerType
public interface WatchClient {

    /** Whether a response sent now goes out without piling up in the transport. */
    boolean isReady();

    /** Sends one response. */
    void send(WatchResponse response);

    /**
     * Delivers the client's next request to {@link WatchSession#request} when it arrives: the
     * member asks for one request at a time, so a client that floods requests without reading
     * is held back by the transport's flow control.
     */
    void requestNext();

    /** Ends the stream on the member's side: with etcd's {@code error}, or normally when null. */
    void end(EtcdException error);
}
