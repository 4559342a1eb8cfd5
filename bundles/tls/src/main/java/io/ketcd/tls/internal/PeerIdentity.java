package io.ketcd.tls.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * etcd's {@code --peer-cert-allowed-cn} and {@code --peer-cert-allowed-hostname}: the verified
 * certificate of the other member must carry one of the allowed subject CNs, or be valid for one
 * of the allowed hosts as Go's {@code x509.Certificate.VerifyHostname} decides (an IP against the
 * IP SANs, a name against the DNS SANs with a leftmost {@code *} label; no CN fallback). etcd sets
 * this check in {@code baseConfig}, so it applies both to members connecting in and to the
 * servers a member dials.
 */
public record PeerIdentity(List<String> allowedCns, List<String> allowedHostnames) {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    public PeerIdentity {
        allowedCns = List.copyOf(allowedCns);
        allowedHostnames = List.copyOf(allowedHostnames);
    }

    /** Whether anything is checked at all. */
    public boolean restricts() {
        return !allowedCns.isEmpty() || !allowedHostnames.isEmpty();
    }

    /** Why {@code leaf} is refused, or empty when it is allowed. */
    public Optional<String> refusal(X509Certificate leaf) {
        if (!allowedCns.isEmpty()) {
            String cn = commonName(leaf);
            return allowedCns.contains(cn) ? Optional.empty()
                    : Optional.of("peer certificate CN \"" + cn + "\" is not an allowed CN " + allowedCns
                            + " (--peer-cert-allowed-cn)");
        }
        if (!allowedHostnames.isEmpty()) {
            for (String host : allowedHostnames) {
                if (validFor(leaf, host)) {
                    return Optional.empty();
                }
            }
            return Optional.of("peer certificate " + leaf.getSubjectX500Principal().getName()
                    + " is not valid for any allowed hostname " + allowedHostnames + " (--peer-cert-allowed-hostname)");
        }
        return Optional.empty();
    }

    static String commonName(X509Certificate cert) {
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            // an RFC 2253 name from the JDK always parses; no CN then
        }
        return "";
    }

    /** Go's {@code VerifyHostname}, for the cases etcd's flags produce. */
    static boolean validFor(X509Certificate cert, String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return false;
        }
        if (sans == null) {
            return false;
        }
        Optional<InetAddress> ip = ipLiteral(h);
        for (List<?> san : sans) {
            int type = (Integer) san.get(0);
            String value = (String) san.get(1);
            if (ip.isPresent() && type == SAN_IP && ipLiteral(value).equals(ip)) {
                return true;
            }
            if (ip.isEmpty() && type == SAN_DNS && dnsMatches(value, h)) {
                return true;
            }
        }
        return false;
    }

    private static Optional<InetAddress> ipLiteral(String s) {
        if (!IPV4.matcher(s).matches() && !s.contains(":")) {
            return Optional.empty();
        }
        try {
            // a literal: no name lookup happens
            return Optional.of(InetAddress.getByName(s));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static boolean dnsMatches(String pattern, String host) {
        String p = trimDot(pattern.toLowerCase(Locale.ROOT));
        String h = trimDot(host.toLowerCase(Locale.ROOT));
        if (p.isEmpty() || h.isEmpty()) {
            return false;
        }
        String[] pl = p.split("\\.", -1);
        String[] hl = h.split("\\.", -1);
        if (pl.length != hl.length) {
            return false;
        }
        for (int i = 0; i < pl.length; i++) {
            if (!(i == 0 && pl[i].equals("*")) && !pl[i].equals(hl[i])) {
                return false;
            }
        }
        return true;
    }

    private static String trimDot(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
