package io.ketcd.api.service;

import io.ketcd.proto.etcdserverpb.WatchRequest;

import org.osgi.annotation.versioning.ProviderType;

/** A watch stream open on the member, for the bundle that carries it. Thread-safe. */
@ProviderType
public interface WatchSession {

    /** One request of the client, in the order received (create, cancel or progress). */
    void request(WatchRequest request);

    /** The client can take responses again after {@link WatchClient#isReady()} said no. */
    void clientReady();

    /** The client went away (cancelled the call, or the connection closed): its watchers end. */
    void close();
}
