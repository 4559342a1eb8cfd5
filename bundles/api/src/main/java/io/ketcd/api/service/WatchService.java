package io.ketcd.api.service;

import org.osgi.annotation.versioning.ProviderType;

/**
 * etcd's {@code etcdserverpb.Watch} service: each call is one bidirectional stream carrying many
 * watchers, served from what this member has applied (followers included).
 */
@ProviderType
public interface WatchService {

    /**
     * Opens one watch stream for {@code client}: the member asks for the client's requests with
     * {@link WatchClient#requestNext()}, and answers on {@code client} in etcd's order (a watcher's
     * {@code created} response before its events). Never blocks. With auth on, a watcher is
     * created only on a range {@code caller} may read; otherwise its create is answered canceled
     * with etcd's reason.
     */
    WatchSession open(Caller caller, WatchClient client);

    /** {@link #open(Caller, WatchClient)} for a caller inside the node. */
    default WatchSession open(WatchClient client) {
        return open(Caller.INTERNAL, client);
    }
}
