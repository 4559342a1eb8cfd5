package io.ketcd.transport.internal;

import io.ketcd.api.config.Flags;
import io.ketcd.api.transport.ListenerRole;

import java.net.URI;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * One listen URL, checked before anything is bound, as etcd's flag parsing and {@code
 * checkBindURLs} check it: the scheme is one of {@code http}, {@code https}, {@code unix},
 * {@code unixs}, and a TCP URL names an IP address or {@code localhost} and a port.
 *
 * @param url the URL as configured
 * @param unix whether the URL names a Unix domain socket ({@code unix}, {@code unixs})
 * @param secure whether the URL asks for TLS ({@code https}, {@code unixs})
 */
public record ListenUrl(URI url, boolean unix, boolean secure) {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    /**
     * Checks {@code url} as a URL of {@code role}'s flag.
     *
     * @throws IllegalArgumentException in etcd's words, naming the flag and the URL
     */
    public static ListenUrl parse(ListenerRole role, URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme();
        ListenUrl parsed = switch (scheme) {
            case "http" -> new ListenUrl(url, false, false);
            case "https" -> new ListenUrl(url, false, true);
            case "unix" -> new ListenUrl(url, true, false);
            case "unixs" -> new ListenUrl(url, true, true);
            default -> throw invalid(role, url, "URL scheme must be http, https, unix, or unixs: " + url);
        };
        if (parsed.unix) {
            if (Flags.unixPath(url).isEmpty()) {
                throw invalid(role, url, "URL names no socket file: " + url);
            }
        } else {
            if (url.getHost() == null || url.getPort() < 0) {
                throw invalid(role, url, "URL address does not have the form \"host:port\": " + url);
            }
            if (url.getPort() > 65535) {
                throw invalid(role, url, "invalid port " + url.getPort() + ": " + url);
            }
            String host = parsed.host();
            // etcd binds IP addresses only; localhost is its one exception (embed.checkBindURLs)
            if (!host.equals("localhost") && !isIpLiteral(host)) {
                throw new IllegalArgumentException("expected IP in URL for binding (" + url + ")");
            }
        }
        return parsed;
    }

    /** {@code tcp} or {@code unix}, as Go names the network in its errors. */
    public String network() {
        return unix ? "unix" : "tcp";
    }

    /** The address as Go's {@code net.Listen} is given it: {@code host:port} or the socket path. */
    public String address() {
        return unix ? Flags.unixPath(url) : url.getRawAuthority();
    }

    /** The TCP host without the brackets of an IPv6 literal. */
    public String host() {
        String host = url.getHost();
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The TCP port; 0 asks for a free one. */
    public int port() {
        return url.getPort();
    }

    /** The socket file of a {@code unix}/{@code unixs} URL, relative to the working directory unless absolute. */
    public Path socketPath() {
        return Path.of(Flags.unixPath(url));
    }

    private static boolean isIpLiteral(String host) {
        if (host.contains(":")) {
            return true; // an IPv6 literal: java.net.URI accepts only well-formed ones in brackets
        }
        var m = IPV4.matcher(host);
        if (!m.matches()) {
            return false;
        }
        for (int i = 1; i <= 4; i++) {
            if (Integer.parseInt(m.group(i)) > 255) {
                return false;
            }
        }
        return true;
    }

    private static IllegalArgumentException invalid(ListenerRole role, URI url, String why) {
        return new IllegalArgumentException("invalid value \"" + url + "\" for flag -" + role.flag() + ": " + why);
    }
}
