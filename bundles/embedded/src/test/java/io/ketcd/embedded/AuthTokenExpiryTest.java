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
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A simple token that expired ({@code auth-token-ttl} after its last use) is refused with
 * "etcdserver: invalid auth token", on which jetcd logs in again and carries on.
 */
class AuthTokenExpiryTest {
    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    Path dir;

    @Test
    void anExpiredTokenIsRefusedAndJetcdLogsInAgain() throws Exception {
        try (PeerCluster cluster = new PeerCluster(dir, "http")) {
            EmbeddedEtcd member = cluster.startWithRoot(Map.of("auth-token-ttl", "1"));
            ManagedChannel channel = ManagedChannelBuilder.forTarget(member.grpcEndpoint().replace("http://", ""))
                    .usePlaintext().build();
            try (Client jetcd = Client.builder().endpoints(member.grpcEndpoint()).user(PeerCluster.bs("root"))
                    .password(PeerCluster.bs("rootpw")).build()) {
                jetcd.getKVClient().put(PeerCluster.bs("k"), PeerCluster.bs("1")).get(30, SECONDS);
                String token = AuthGrpc.newBlockingStub(channel).withDeadlineAfter(30, SECONDS)
                        .authenticate(AuthenticateRequest.newBuilder().setName("root").setPassword("rootpw").build())
                        .getToken();
                // the expiry itself is what is tested: both tokens sit unused for longer than their TTL
                Thread.sleep(2_500);
                Metadata headers = new Metadata();
                headers.put(TOKEN, token);
                assertThatThrownBy(() -> KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, SECONDS)
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                        .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: invalid auth token"));
                jetcd.getKVClient().put(PeerCluster.bs("k"), PeerCluster.bs("2")).get(30, SECONDS);
                assertThat(jetcd.getKVClient().get(PeerCluster.bs("k")).get(30, SECONDS).getKvs().get(0).getValue()
                        .toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("2");
            } finally {
                channel.shutdownNow();
            }
        }
    }
}
