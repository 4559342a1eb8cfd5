package io.ketcd.server.internal;

import io.ketcd.mvcc.KvStore;
import io.ketcd.server.auth.AuthStore;
import io.ketcd.server.auth.TokenProvider;
import io.ketcd.server.lease.LeaseBucket;
import io.ketcd.server.lease.Lessor;
import io.ketcd.storage.Backend;

/**
 * Everything the apply loop builds from committed entries: the backend, the key-value store on
 * it, the membership, the leases, the alarms and the auth store. Replaced as a whole when a snapshot from the leader is
 * installed; the lessor (it knows whether it is the primary) and the tokens stay the same objects, and the lessor recovers
 * the leases of the new backend.
 */
record AppliedState(Backend backend, KvStore kv, Membership membership, Lessor lessor, Alarms alarms, AuthStore auth,
                    TokenProvider tokens) {

    /**
     * The state of {@code backend}: {@code lessor} recovers its leases first, so that the store
     * can check the leases of puts, then gets the keys of each lease back from the store (etcd's
     * lessor Recover and the re-attach in mvcc's restore).
     */
    static AppliedState on(Backend backend, Lessor lessor, TokenProvider tokens) {
        lessor.recover(new LeaseBucket(backend));
        KvStore kv = new KvStore(backend, lessor::exists);
        LeasedKeysScan.attachAll(kv, lessor);
        kv.trackLeases(lessor);
        return new AppliedState(backend, kv, new Membership(backend), lessor, new Alarms(backend),
                new AuthStore(backend, tokens), tokens);
    }
}
