package io.ketcd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.ketcd.proto.etcdserverpb.PutResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RateRunnerTest {
    private static final int HELD = 40;
    /** Answers held back until {@link #HELD} puts are in: a closed-loop sender would wait forever. */
    private final List<StreamObserver<PutResponse>> held = new ArrayList<>();
    private final ServerServiceDefinition kv = ServerServiceDefinition.builder("etcdserverpb.KV")
            .addMethod(KvCalls.PUT, ServerCalls.asyncUnaryCall((request, answer) -> {
                List<StreamObserver<PutResponse>> release = List.of();
                synchronized (held) {
                    held.add(answer);
                    if (held.size() == HELD) {
                        release = new ArrayList<>(held);
                    }
                }
                for (StreamObserver<PutResponse> a : release) {
                    a.onNext(PutResponse.getDefaultInstance());
                    a.onCompleted();
                }
            }))
            .build();
    private Server server;
    private ManagedChannel channel;

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    @Test
    void sendsOnScheduleWithoutWaitingForAnswers() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(kv).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();

        LoadRunner.Phase phase = RateRunner.run(channel, 2_000, HELD, Duration.ZERO,
                KvCalls.put(Options.parse("put")), Duration.ofSeconds(10));

        assertThat(phase.latencies()).hasSize(HELD).doesNotContain(LoadRunner.FAILED);
        assertThat(phase.errors()).isEmpty();
        // 40 sends at 2,000/s are 19.5 ms apart from first to last, and the first answer came after the last send
        assertThat(phase.latencies()[0]).isGreaterThanOrEqualTo(19_500_000L);
        assertThat(phase.wallNanos()).isGreaterThanOrEqualTo(19_500_000L);
    }

    @Test
    void durationBoundsTheSends() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(kv).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();

        // at 100/s, 0.2 s allows sends at 0, 10, ..., 200 ms: 21 of them, fewer than the 40 the server waits for,
        // so they fail on their deadline, still counted
        LoadRunner.Phase phase = RateRunner.run(channel, 100, 1_000, Duration.ofMillis(200),
                KvCalls.put(Options.parse("put")), Duration.ofMillis(300));

        assertThat(phase.latencies()).hasSize(21).containsOnly(LoadRunner.FAILED);
        assertThat(phase.errors()).containsOnlyKeys("DEADLINE_EXCEEDED");
        assertThat(phase.errors().get("DEADLINE_EXCEEDED").count()).isEqualTo(21);
    }
}
