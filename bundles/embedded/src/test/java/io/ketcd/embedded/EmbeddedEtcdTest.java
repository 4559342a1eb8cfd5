package io.ketcd.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedEtcdTest {
    @TempDir
    Path dir;

    private EmbeddedEtcd start() throws Exception {
        return EmbeddedEtcd.start(Map.of(
                "data-dir", dir.resolve("node").toString(),
                "listen-client-urls", "http://127.0.0.1:0",
                "listen-client-http-urls", "http://127.0.0.1:0",
                "listen-peer-urls", "http://127.0.0.1:0"));
    }

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    @Test
    void jetcdPutsGetsAndSeesEtcdHeaders() throws Exception {
        try (EmbeddedEtcd etcd = start(); Client client = Client.builder().endpoints(etcd.grpcEndpoint()).build()) {
            KV kv = client.getKVClient();
            PutResponse first = kv.put(bs("foo"), bs("bar")).get(10, TimeUnit.SECONDS);
            assertThat(first.getHeader().getClusterId()).isEqualTo(etcd.server().clusterId());
            assertThat(first.getHeader().getMemberId()).isEqualTo(etcd.server().memberId());
            assertThat(first.getHeader().getRevision()).isEqualTo(2);
            assertThat(first.getHeader().getRaftTerm()).isEqualTo(2);

            kv.put(bs("foo"), bs("baz"), PutOption.builder().build()).get(10, TimeUnit.SECONDS);
            GetResponse got = kv.get(bs("foo")).get(10, TimeUnit.SECONDS);
            assertThat(got.getKvs()).hasSize(1);
            KeyValue v = got.getKvs().get(0);
            assertThat(v.getValue().toString(UTF_8)).isEqualTo("baz");
            assertThat(v.getCreateRevision()).isEqualTo(2);
            assertThat(v.getModRevision()).isEqualTo(3);
            assertThat(v.getVersion()).isEqualTo(2);

            GetResponse old = kv.get(bs("foo"), GetOption.builder().withRevision(2).build()).get(10, TimeUnit.SECONDS);
            assertThat(old.getKvs().get(0).getValue().toString(UTF_8)).isEqualTo("bar");

            TxnResponse txn = kv.txn()
                    .If(new Cmp(bs("foo"), Cmp.Op.EQUAL, CmpTarget.value(bs("baz"))))
                    .Then(Op.put(bs("tx"), bs("yes"), PutOption.DEFAULT))
                    .Else(Op.put(bs("tx"), bs("no"), PutOption.DEFAULT))
                    .commit().get(10, TimeUnit.SECONDS);
            assertThat(txn.isSucceeded()).isTrue();
            assertThat(kv.get(bs("tx")).get(10, TimeUnit.SECONDS).getKvs().get(0).getValue().toString(UTF_8)).isEqualTo("yes");
        }
    }

    @Test
    void errorsCarryEtcdMessages() throws Exception {
        try (EmbeddedEtcd etcd = start(); Client client = Client.builder().endpoints(etcd.grpcEndpoint()).build()) {
            KV kv = client.getKVClient();
            kv.put(bs("a"), bs("1")).get(10, TimeUnit.SECONDS);
            kv.put(bs("a"), bs("2")).get(10, TimeUnit.SECONDS);
            kv.compact(3).get(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> kv.get(bs("a"), GetOption.builder().withRevision(2).build()).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("etcdserver: mvcc: required revision has been compacted");
            assertThatThrownBy(() -> kv.get(bs("a"), GetOption.builder().withRevision(100).build()).get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("etcdserver: mvcc: required revision is a future revision");
            assertThatThrownBy(() -> kv.put(bs(""), bs("x")).get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("etcdserver: key is not provided");
            // still serving after the errors
            assertThat(kv.get(bs("a")).get(10, TimeUnit.SECONDS).getKvs().get(0).getValue().toString(UTF_8)).isEqualTo("2");
        }
    }

    @Test
    void acknowledgedWritesSurviveARestart() throws Exception {
        List<CompletableFuture<PutResponse>> acks = new ArrayList<>();
        long revision;
        try (EmbeddedEtcd etcd = start(); Client client = Client.builder().endpoints(etcd.grpcEndpoint()).build()) {
            for (int i = 0; i < 500; i++) {
                acks.add(client.getKVClient().put(bs(String.format("k%04d", i)), bs("v" + i)));
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            revision = client.getKVClient().get(bs("k0000")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        }
        try (EmbeddedEtcd etcd = start(); Client client = Client.builder().endpoints(etcd.grpcEndpoint()).build()) {
            GetResponse all = client.getKVClient()
                    .get(bs("k"), GetOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS);
            assertThat(all.getKvs()).hasSize(500);
            assertThat(all.getKvs().get(499).getValue().toString(UTF_8)).isEqualTo("v499");
            assertThat(all.getHeader().getRevision()).isEqualTo(revision);
            assertThat(all.getHeader().getRaftTerm()).isEqualTo(3);
        }
    }

    @Test
    void httpHealthAndVersionAnswer() throws Exception {
        try (EmbeddedEtcd etcd = start()) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(etcd.httpEndpoint() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"health\":\"true\"");
            HttpResponse<String> version = http.send(HttpRequest.newBuilder(URI.create(etcd.httpEndpoint() + "/version")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(version.body()).isEqualTo("{\"etcdserver\":\"3.4.23\",\"etcdcluster\":\"3.4.0\"}");
        }
    }

    /** etcd's startup rule: when a later listener cannot open, the ones already open are closed again. */
    @Test
    void aClientPortInUseFailsTheStartAndReleasesThePeerPort() throws Exception {
        int peerPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            peerPort = probe.getLocalPort();
        }
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> EmbeddedEtcd.start(Map.of(
                    "data-dir", dir.resolve("node").toString(),
                    "listen-client-urls", "http://127.0.0.1:" + taken.getLocalPort(),
                    "listen-client-http-urls", "http://127.0.0.1:0",
                    "listen-peer-urls", "http://127.0.0.1:" + peerPort)))
                    .isInstanceOf(java.io.IOException.class);
        }
        // at once: closing the peer transport returns once Grizzly's selector has let go of the socket
        try (java.net.ServerSocket again = new java.net.ServerSocket(peerPort, 50,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThat(again.getLocalPort()).isEqualTo(peerPort);
        }
    }
}
