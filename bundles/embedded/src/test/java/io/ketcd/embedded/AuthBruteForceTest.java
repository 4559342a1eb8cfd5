package io.ketcd.embedded;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.ketcd.grpc.internal.stub.AuthGrpc;
import io.ketcd.grpc.internal.stub.KVGrpc;
import io.ketcd.proto.etcdserverpb.AuthenticateRequest;
import io.ketcd.proto.etcdserverpb.AuthenticateResponse;
import io.ketcd.proto.etcdserverpb.PutRequest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thousand wrong passwords at once: bcrypt checks queue on a bounded pool of their own (the rest
 * are refused with "too many requests"), none succeeds, and another client's writes are answered
 * while the flood is still being worked through.
 */
class AuthBruteForceTest {
    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    Path dir;

    @Test
    void aFloodOfWrongPasswordsIsBoundedAndDoesNotHoldUpOtherClients() throws Exception {
        // cost 6 keeps the flood to seconds; the bound and the separation do not depend on the cost
        try (PeerCluster cluster = new PeerCluster(dir, "http")) {
            EmbeddedEtcd member = cluster.startWithRoot(Map.of("bcrypt-cost", "6"));
            ManagedChannel channel = ManagedChannelBuilder.forTarget(member.grpcEndpoint().replace("http://", ""))
                    .usePlaintext().build();
            try {
                var auth = AuthGrpc.newFutureStub(channel);
                String token = auth.authenticate(AuthenticateRequest.newBuilder().setName("root").setPassword("rootpw")
                        .build()).get(30, SECONDS).getToken();

                List<ListenableFuture<AuthenticateResponse>> flood = new ArrayList<>();
                for (int i = 0; i < 1_000; i++) {
                    flood.add(auth.authenticate(AuthenticateRequest.newBuilder().setName("root")
                            .setPassword("guess-" + i).build()));
                }
                Metadata headers = new Metadata();
                headers.put(TOKEN, token);
                var kv = KVGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
                for (int i = 0; i < 20; i++) {
                    kv.withDeadlineAfter(30, SECONDS).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k" + i))
                            .setValue(ByteString.copyFromUtf8("v")).build());
                }
                long unansweredAfterWrites = flood.stream().filter(f -> !f.isDone()).count();
                assertThat(unansweredAfterWrites).as("wrong passwords still being checked when the writes were answered")
                        .isPositive();

                Set<String> outcomes = new HashSet<>();
                for (ListenableFuture<AuthenticateResponse> f : flood) {
                    try {
                        f.get(120, SECONDS);
                        outcomes.add("success");
                    } catch (ExecutionException e) {
                        outcomes.add(Status.fromThrowable(e.getCause()).getDescription());
                    }
                }
                assertThat(outcomes).doesNotContain("success").contains(
                        "etcdserver: authentication failed, invalid user ID or password", "etcdserver: too many requests");
            } finally {
                channel.shutdownNow();
            }
        }
    }
}
