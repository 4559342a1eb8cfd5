package io.ketcd.grpc.internal;

import io.ketcd.api.EtcdError;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * etcd's check of the peer URLs in a member change ({@code types.NewURLs}, which etcd's v3rpc
 * runs before proposing a MemberAdd): at least one URL, and each one, with surrounding white
 * space trimmed, must parse as a URL with scheme {@code http}, {@code https}, {@code unix} or
 * {@code unixs}, an authority of the form {@code host:port} (the port may be empty, as Go's
 * {@code net.SplitHostPort} allows) and no path. A query or fragment is allowed, as in etcd.
 *
 * <p>The parse follows Go's {@code net/url.Parse} where it decides validity: control characters,
 * a malformed scheme, a character not allowed in a host, a port that is not all digits, an
 * unclosed IPv6 bracket, and a bad {@code %} escape outside the query are errors (the cases in
 * {@code PeerUrlsTest} were checked against etcdctl 3.4.23, which runs the same
 * {@code types.NewURLs} on its side and prints Go's reason). It does not re-escape: the normalised form keeps the
 * text after the scheme as given, which is what Go's {@code URL.String()} prints for URLs that
 * pass.
 */
final class PeerUrls {

    private PeerUrls() {
    }

    /**
     * The URLs as etcd's MemberAdd stores them: trimmed, scheme in lower case, sorted (as
     * {@code types.URLs.Sort} does). Returns a new unmodifiable list.
     *
     * @throws io.ketcd.api.EtcdException {@link EtcdError#MEMBER_BAD_URLS} when the list is
     *     empty or any URL is invalid
     */
    static List<String> normalize(List<String> urls) {
        if (urls.isEmpty()) {
            throw EtcdError.MEMBER_BAD_URLS.exception();
        }
        List<String> out = new ArrayList<>(urls.size());
        for (String url : urls) {
            String normal = parse(url);
            if (normal == null) {
                throw EtcdError.MEMBER_BAD_URLS.exception();
            }
            out.add(normal);
        }
        out.sort(null);
        return List.copyOf(out);
    }

    /**
     * Refuses what {@link #normalize} refuses, and returns nothing: for MemberUpdate, which
     * stores the URLs as given (etcd does not rewrite them there).
     */
    static void check(List<String> urls) {
        normalize(urls);
    }

    /** {@code url} normalised, or null when etcd would refuse it. */
    static String parse(String url) {
        String s = url.strip();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return null; // Go: "invalid control character in URL"
            }
        }
        int colon = s.indexOf(':');
        if (colon <= 0 || !validScheme(s.substring(0, colon))) {
            return null; // no scheme: Go parses it as a path, without host, or fails
        }
        String scheme = s.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") && !scheme.equals("unix") && !scheme.equals("unixs")) {
            return null;
        }
        String rest = s.substring(colon + 1);
        int hash = rest.indexOf('#');
        if (hash >= 0 && !validEscapes(rest.substring(hash + 1), false)) {
            return null;
        }
        String beforeQuery = cut(cut(rest, '#'), '?'); // Go keeps the query raw, unchecked
        if (!beforeQuery.startsWith("//")) {
            return null; // opaque ("http:host:1") or path only: no host
        }
        String authority = beforeQuery.substring(2);
        if (authority.indexOf('/') >= 0) {
            return null; // a path, even "/"
        }
        int at = authority.lastIndexOf('@');
        if (at >= 0 && !validEscapes(authority.substring(0, at), false)) {
            return null;
        }
        String host = authority.substring(at + 1);
        return validEscapes(host, true) && validHostPort(host) ? scheme + ":" + rest : null;
    }

    /** Go's {@code getScheme}: a letter, then letters, digits, '+', '-' or '.'. */
    private static boolean validScheme(String scheme) {
        for (int i = 0; i < scheme.length(); i++) {
            char c = scheme.charAt(i);
            boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            boolean other = (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
            if (!(letter || (i > 0 && other))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Go's {@code parseHost} followed by {@code net.SplitHostPort}: "[v6]:port" or
     * "host:port" with exactly one colon; the port, possibly empty, is all digits.
     */
    private static boolean validHostPort(String host) {
        if (!host.chars().allMatch(PeerUrls::hostChar)) {
            return false; // Go: "invalid character in host name"
        }
        String port;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            if (close < 0 || close + 1 >= host.length() || host.charAt(close + 1) != ':') {
                return false;
            }
            port = host.substring(close + 2);
        } else {
            int c = host.indexOf(':');
            if (c < 0 || host.indexOf(':', c + 1) >= 0) {
                return false; // "missing port in address" or "too many colons in address"
            }
            port = host.substring(c + 1);
        }
        return port.chars().allMatch(ch -> ch >= '0' && ch <= '9');
    }

    /** Go's {@code shouldEscape(c, encodeHost)} is false, or c is not ASCII (or an escape). */
    private static boolean hostChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c >= 0x80 || "-._~!$&'()*+,;=:[]<>\"%".indexOf(c) >= 0;
    }

    /**
     * Go's {@code unescape}: '%' starts two hex digits; in a host they must encode a byte of
     * 0x80 or more (a UTF-8 sequence), or be "%25" (an IPv6 zone's '%').
     */
    private static boolean validEscapes(String s, boolean host) {
        for (int i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
            if (i + 2 >= s.length() || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2))) {
                return false;
            }
            if (host && Character.digit(s.charAt(i + 1), 16) < 8 && !s.startsWith("%25", i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static String cut(String s, char at) {
        int i = s.indexOf(at);
        return i < 0 ? s : s.substring(0, i);
    }
}
