package io.ketcd.embedded;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;

import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.ketcd.grpc.internal.stub.AuthGrpc;
import io.ketcd.grpc.internal.stub.KVGrpc;
import io.ketcd.proto.etcdserverpb.AuthenticateRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's {@code jwt} tokens on a 3-member cluster with an RS256 key pair made by openssl: a token
 * one member signed is good on every other member, jetcd logs in with a user and password, and
 * a token with a changed signature is refused as etcd refuses it.
 */
class EmbeddedJwtAuthTest {
    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    Path dir;
    private PeerCluster cluster;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aTokenSignedByOneMemberIsGoodOnAnotherAndAForgedOneIsRefused() throws Exception {
        Path priv = dir.resolve("jwt.key");
        Path pub = dir.resolve("jwt.pub");
        assertThat(Command.run(List.of(Command.OPENSSL.toString(), "genrsa", "-out", priv.toString(), "2048"),
                Duration.ofSeconds(60)).succeeded()).isTrue();
        assertThat(Command.run(List.of(Command.OPENSSL.toString(), "rsa", "-in", priv.toString(), "-pubout", "-out",
                pub.toString()), Duration.ofSeconds(60)).succeeded()).isTrue();
        cluster = new PeerCluster(dir.resolve("cluster"), "http");
        List<EmbeddedEtcd> members = cluster.startThree(Map.of("auth-token",
                "jwt,pub-key=" + pub + ",priv-key=" + priv + ",sign-method=RS256,ttl=10m"));
        List<String> at = List.of("--endpoints=" + members.get(0).grpcEndpoint());
        assertThat(Command.etcdctl(at, "user", "add", "root:rootpw").out()).isEqualTo("User root created\n");
        assertThat(Command.etcdctl(at, "put", "k", "v").out()).isEqualTo("OK\n");
        assertThat(Command.etcdctl(at, "auth", "enable").out()).isEqualTo("Authentication Enabled\n");

        String token = AuthGrpc.newBlockingStub(channel(members.get(0))).withDeadlineAfter(30, SECONDS)
                .authenticate(AuthenticateRequest.newBuilder().setName("root").setPassword("rootpw").build()).getToken();
        assertThat(token.split("\\.")).as("a JWT: header, claims, signature").hasSize(3);
        assertThat(range(members.get(2), token).getCount()).isEqualTo(1);

        String forged = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
        assertThatThrownBy(() -> range(members.get(1), forged)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: invalid auth token"));

        try (Client root = Client.builder().endpoints(members.stream().map(EmbeddedEtcd::grpcEndpoint)
                .toArray(String[]::new)).user(PeerCluster.bs("root")).password(PeerCluster.bs("rootpw")).build()) {
            root.getKVClient().put(PeerCluster.bs("k2"), PeerCluster.bs("v2")).get(30, SECONDS);
            assertThat(root.getKVClient().get(PeerCluster.bs("k2")).get(30, SECONDS).getCount()).isEqualTo(1);
        }
    }

    private io.ketcd.proto.etcdserverpb.RangeResponse range(EmbeddedEtcd member, String token) {
        Metadata headers = new Metadata();
        headers.put(TOKEN, token);
        return KVGrpc.newBlockingStub(channel(member)).withDeadlineAfter(30, SECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build());
    }

    private ManagedChannel channel(EmbeddedEtcd member) {
        ManagedChannel c = ManagedChannelBuilder.forTarget(member.grpcEndpoint().replace("http://", "")).usePlaintext()
                .build();
        channels.add(c);
        return c;
    }
}
