package io.ketcd.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * etcd's {@code types.NewURLs} rules. Each case was run through etcdctl 3.4.23's
 * {@code member add --peer-urls=...}, which applies the same function before sending and prints
 * Go's reason for a refusal (quoted beside the invalid cases).
 */
class PeerUrlsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
        "http://127.0.0.1:2380|http://127.0.0.1:2380",
        " http://a:1 |http://a:1",
        "HTTP://a:1|http://a:1",
        "https://10.0.0.1:2380|https://10.0.0.1:2380",
        "unix://localhost:2380|unix://localhost:2380",
        "unixs://a:1|unixs://a:1",
        "http://[::1]:2380|http://[::1]:2380",
        "http://[fe80::1%25en0]:1|http://[fe80::1%25en0]:1",
        "http://a:|http://a:",               // Go's SplitHostPort takes an empty port
        "http://user@a:1|http://user@a:1",
        "http://a:1?x=y|http://a:1?x=y",
        "http://a:1?x/y|http://a:1?x/y",     // a slash in the query is not a path
        "http://a:1?%zz|http://a:1?%zz",     // Go leaves the query unparsed
        "http://a:1#f|http://a:1#f",
    })
    void accepted(String url, String normalized) {
        assertThat(PeerUrls.parse(url)).isEqualTo(normalized);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "127.0.0.1:2380",           // first path segment in URL cannot contain colon
        "1http://a:1",              // first path segment in URL cannot contain colon
        "://a:1",                   // missing protocol scheme
        "ftp://a:1",                // URL scheme must be http, https, unix, or unixs
        "http://a",                 // URL address does not have the form "host:port"
        "http://[::1]",             // URL address does not have the form "host:port"
        "http://::1:80",            // URL address does not have the form "host:port"
        "https://a:1:2",            // URL address does not have the form "host:port"
        "http:a:1",                 // URL address does not have the form "host:port"
        "http://a:1/",              // URL must not contain a path
        "http://a:1/x",             // URL must not contain a path
        "http://a:b",               // invalid port ":b" after host
        "http://a b:1",             // invalid character " " in host name
        "http://a\t:1",             // net/url: invalid control character in URL
        "http://a%zz:1",            // invalid URL escape "%zz"
        "http://a%41:1",            // invalid URL escape "%41"
        "http://u%zz@a:1",          // invalid URL escape "%zz"
        "http://a:1#%zz",           // invalid URL escape "%zz"
        "http://[::1:80",           // missing ']' in host
    })
    void refused(String url) {
        assertThat(PeerUrls.parse(url)).isNull();
        assertThatThrownBy(() -> PeerUrls.normalize(List.of("http://127.0.0.1:2380", url)))
                .isInstanceOfSatisfying(EtcdException.class,
                        e -> assertThat(e.error()).isEqualTo(EtcdError.MEMBER_BAD_URLS));
    }

    @Test
    void anEmptyListIsRefused() {
        assertThatThrownBy(() -> PeerUrls.normalize(List.of()))
                .isInstanceOfSatisfying(EtcdException.class,
                        e -> assertThat(e.error()).isEqualTo(EtcdError.MEMBER_BAD_URLS));
    }

    @Test
    void theListIsSortedAsEtcdStoresIt() {
        assertThat(PeerUrls.normalize(List.of("https://b:2", " HTTP://b:1", "http://a:9")))
                .containsExactly("http://a:9", "http://b:1", "https://b:2");
    }
}
