package io.ketcd.server.internal;

import io.ketcd.mvcc.KvStore;
import io.ketcd.storage.Backend;

/**
 * Everything the apply loop builds from committed entries: the backend, the key-value store on
 * it and the membership. Replaced as a whole when a snapshot from the leader is installed.
 */
record AppliedState(Backend backend, KvStore kv, Membership membership) {

    static AppliedState on(Backend backend) {
        return new AppliedState(backend, new KvStore(backend), new Membership(backend));
    }
}
