package io.ketcd.server.internal;

import io.ketcd.api.EtcdException;
import io.ketcd.proto.etcdserverpb.Member;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.proto.serverpb.RequestHeader;
import io.ketcd.server.ServerConfig;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes this member's name and client URLs to the cluster through the log (etcd's
 * {@code publish}), retrying until it is applied: other members list them from then on.
 */
final class AttributesPublisher implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(AttributesPublisher.class);

    private final long memberId;
    private final ServerConfig config;
    private final Proposals proposals;
    private final ScheduledExecutorService scheduler;
    private final BooleanSupplier stopped;

    /**
     * @param scheduler runs the attempts
     * @param stopped whether the member has stopped serving: attempts then cease
     */
    AttributesPublisher(long memberId, ServerConfig config, Proposals proposals, ScheduledExecutorService scheduler,
                        BooleanSupplier stopped) {
        this.memberId = memberId;
        this.config = config;
        this.proposals = proposals;
        this.scheduler = scheduler;
        this.stopped = stopped;
    }

    /** One attempt; a failed or timed-out one schedules the next. */
    @Override
    public void run() {
        if (stopped.getAsBoolean()) {
            return;
        }
        Member.Builder attrs = Member.newBuilder().setID(memberId).setName(config.name());
        config.advertiseClientUrls().forEach(u -> attrs.addClientURLs(u.toString()));
        long id = proposals.nextRequestId();
        InternalRaftRequest request = InternalRaftRequest.newBuilder()
                .setHeader(RequestHeader.newBuilder().setId(id).setInternal(true)).setMemberAttributes(attrs).build();
        CompletableFuture<Object> f;
        try {
            f = proposals.propose(id, request.toByteString());
        } catch (EtcdException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.orTimeout(config.electionTimeout().toMillis() * 2, TimeUnit.MILLISECONDS).whenComplete((r, t) -> {
            if (t == null) {
                LOG.info("member {} published its name {} and client URLs {}", MemberIds.hex(memberId),
                        config.name(), config.advertiseClientUrls());
            } else if (!stopped.getAsBoolean()) {
                scheduler.schedule(this, config.heartbeatInterval().toMillis() * 5, TimeUnit.MILLISECONDS);
            }
        });
    }
}
