package io.ketcd.shell.internal;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Sizes as etcdctl prints them (db size, snapshot size). */
final class HumanBytes {

    private HumanBytes() {
    }

    /**
     * go-humanize's {@code Bytes} (the version etcdctl 3.4 uses): SI units, one decimal below 10,
     * e.g. {@code 9 B}, {@code 20 kB}, {@code 2.1 MB}. Go's {@code %.Nf} rounds the exact binary
     * value half to even, as {@code BigDecimal} does here.
     */
    static String format(long size) {
        if (size < 10) {
            return size + " B";
        }
        String[] units = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        int e = (int) Math.floor(Math.log(size) / Math.log(1000));
        double val = Math.floor(size / Math.pow(1000, e) * 10 + 0.5) / 10;
        int decimals = val < 10 ? 1 : 0;
        return new BigDecimal(val).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString() + " " + units[e];
    }
}
