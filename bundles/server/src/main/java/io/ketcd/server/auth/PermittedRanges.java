package io.ketcd.server.auth;

import com.google.protobuf.ByteString;

import io.ketcd.proto.authpb.Permission;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The key ranges a user may read, or write, merged from all its roles' permissions (etcd's
 * {@code unifiedRangePermissions}): a permission with no range end is the one key; a range end
 * of {@code "\0"} reaches past every key. A request on a single key is permitted when some
 * range holds the key; a request on a range when one merged range covers all of it, as etcd's
 * interval tree answers.
 */
final class PermittedRanges {
    /** Half-open [from, to); {@code to == null} is unbounded. A single key k is [k, k + "\0"). */
    private record Interval(ByteString from, ByteString to) {
    }

    private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});
    private static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

    private final List<Interval> merged;

    private PermittedRanges(List<Interval> merged) {
        this.merged = merged;
    }

    /** The ranges {@code permissions} grant for reading ({@code write == false}) or writing. */
    static PermittedRanges of(List<Permission> permissions, boolean write) {
        List<Interval> granted = new ArrayList<>();
        for (Permission p : permissions) {
            boolean grants = p.getPermType() == Permission.Type.READWRITE
                    || (write ? p.getPermType() == Permission.Type.WRITE : p.getPermType() == Permission.Type.READ);
            if (grants) {
                granted.add(interval(p.getKey(), p.getRangeEnd()));
            }
        }
        granted.sort((a, b) -> ORDER.compare(a.from(), b.from()));
        List<Interval> merged = new ArrayList<>();
        for (Interval next : granted) {
            Interval last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && (last.to() == null || ORDER.compare(next.from(), last.to()) <= 0)) {
                ByteString to = last.to() == null || next.to() == null ? null
                        : ORDER.compare(next.to(), last.to()) > 0 ? next.to() : last.to();
                merged.set(merged.size() - 1, new Interval(last.from(), to));
            } else {
                merged.add(next);
            }
        }
        return new PermittedRanges(List.copyOf(merged));
    }

    /** Whether {@code [key, rangeEnd)} (one key when {@code rangeEnd} is empty) lies in one permitted range. */
    boolean permits(ByteString key, ByteString rangeEnd) {
        Interval wanted = interval(key, rangeEnd);
        for (Interval i : merged) {
            boolean startsIn = ORDER.compare(i.from(), wanted.from()) <= 0;
            boolean endsIn = i.to() == null || wanted.to() != null && ORDER.compare(wanted.to(), i.to()) <= 0;
            if (startsIn && endsIn) {
                return true;
            }
        }
        return false;
    }

    private static Interval interval(ByteString key, ByteString rangeEnd) {
        if (rangeEnd.isEmpty()) {
            return new Interval(key, key.concat(ZERO));
        }
        return new Interval(key, rangeEnd.equals(ZERO) ? null : rangeEnd);
    }
}
