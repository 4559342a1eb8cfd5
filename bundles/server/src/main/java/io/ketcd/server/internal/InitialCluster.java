package io.ketcd.server.internal;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * etcd's {@code initial-cluster} flag: {@code name1=url1,name1=url2,name2=url3}; a name may
 * repeat to give a member several peer URLs. Order of first appearance is kept.
 */
record InitialCluster(Map<String, List<URI>> members) {

    static InitialCluster parse(String flag) {
        Map<String, List<URI>> members = new LinkedHashMap<>();
        for (String part : flag.split(",")) {
            String s = part.trim();
            if (s.isEmpty()) {
                continue;
            }
            int eq = s.indexOf('=');
            if (eq <= 0 || eq == s.length() - 1) {
                throw new IllegalArgumentException("invalid value \"" + flag
                        + "\" for flag -initial-cluster: expected name=url, got \"" + s + "\"");
            }
            URI url;
            try {
                url = new URI(s.substring(eq + 1).trim());
            } catch (Exception e) {
                throw new IllegalArgumentException("invalid value \"" + flag + "\" for flag -initial-cluster: " + e.getMessage(), e);
            }
            members.computeIfAbsent(s.substring(0, eq).trim(), n -> new ArrayList<>()).add(url);
        }
        return new InitialCluster(members);
    }
}
