package io.ketcd.peer.internal;

/** Member and cluster ids as etcd writes them in paths and headers: unsigned hex, no padding. */
final class Ids {
    private Ids() {
    }

    static String hex(long id) {
        return Long.toHexString(id);
    }

    /** etcd's types.IDFromString; throws NumberFormatException on anything else. */
    static long parseHex(String s) {
        if (s == null || s.isEmpty() || s.length() > 16) {
            throw new NumberFormatException("not a member id: " + s);
        }
        return Long.parseUnsignedLong(s, 16);
    }
}
