package io.ketcd.api;

/** The etcd release whose API and behaviour ketcd follows, as ketcd reports it everywhere. */
public final class EtcdVersion {
    /** The server version: Status, {@code /version}, the peer headers. */
    public static final String SERVER = "3.4.23";
    /** The cluster version reported with it, as etcd reports "major.minor.0". */
    public static final String CLUSTER = "3.4.0";

    private EtcdVersion() {
    }
}
