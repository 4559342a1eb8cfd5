package io.ketcd.http.internal;

import io.ketcd.host.GoHttp;
import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.api.service.KvService;
import io.ketcd.api.service.MaintenanceService;

import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.http.util.HttpStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd 3.4's {@code GET /health}, in etcd's order of checks:
 * <ol>
 * <li>an active alarm not named by an {@code ?exclude=NAME} parameter makes the member unhealthy;
 * <li>so does having no leader;
 * <li>otherwise a linearizable read must succeed within one second (etcd 3.4 issues a quorum
 *     v2 GET; ketcd issues the v3 equivalent, a linearizable keys-only range of one key).
 * </ol>
 * Healthy answers 200 {@code {"health":"true"}} (no newline, Go's sniffed text/plain); unhealthy
 * answers 503 {@code {"health":"false"}} plus newline through Go's {@code http.Error}. etcd 3.4.23
 * has no "reason" field.
 *
 * <p>Alarms and the leader come from {@link MaintenanceService#status()}: its {@code errors} hold etcd's
 * {@code "etcdserver: no leader"} and one {@code AlarmMember} text ({@code memberID:N alarm:NOSPACE})
 * per active alarm, as etcd's Maintenance.Status fills them.
 *
 * <p>The check runs asynchronously: the response is suspended, so a slow member holds no
 * Grizzly worker thread.
 */
public final class HealthHandler extends HttpHandler {
    public static final String PATH = "/health";

    static final String HEALTHY = "{\"health\":\"true\"}";
    static final String UNHEALTHY = "{\"health\":\"false\"}";

    /** etcd: {@code context.WithTimeout(context.Background(), time.Second)} around the read. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(HealthHandler.class);
    private static final RangeRequest PROBE = RangeRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8("health"))
            .setLimit(1)
            .setKeysOnly(true)
            .build();

    private final MaintenanceService maintenance;
    private final KvService kv;
    private final Duration timeout;

    public HealthHandler(MaintenanceService maintenance, KvService kv) {
        this(maintenance, kv, DEFAULT_TIMEOUT);
    }

    HealthHandler(MaintenanceService maintenance, KvService kv, Duration timeout) {
        this.maintenance = maintenance;
        this.kv = kv;
        this.timeout = timeout;
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        if (!Method.GET.equals(request.getMethod())) {
            LOG.warn("/health error (status code 405)");
            GoHttp.methodNotAllowed(response, "GET");
            return;
        }
        String[] exclude = request.getParameterValues("exclude");
        Set<String> excluded = exclude == null ? Set.of() : Set.copyOf(Arrays.asList(exclude));
        response.suspend();
        check(excluded).whenComplete((healthy, never) -> {
            try {
                if (Boolean.TRUE.equals(healthy)) {
                    GoHttp.write(response, HttpStatus.OK_200, GoHttp.TEXT_PLAIN, HEALTHY);
                } else {
                    GoHttp.error(response, HttpStatus.SERVICE_UNAVAILABLE_503, UNHEALTHY);
                }
            } catch (Exception e) {
                LOG.debug("/health: could not write the answer", e);
            } finally {
                response.resume();
            }
        });
    }

    /** Completes with the verdict, never exceptionally, within about {@code timeout}. */
    CompletableFuture<Boolean> check(Set<String> excludedAlarms) {
        CompletableFuture<Boolean> verdict;
        try {
            verdict = maintenance.status().thenCompose(status -> {
                String reason = unhealthyReason(status, excludedAlarms);
                if (reason != null) {
                    LOG.warn("/health error; {} (status code 503)", reason);
                    return CompletableFuture.completedFuture(false);
                }
                return kv.range(PROBE).thenApply(r -> true);
            });
        } catch (RuntimeException e) {
            verdict = CompletableFuture.failedFuture(e);
        }
        return verdict.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).exceptionally(t -> {
            Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            String why = cause instanceof TimeoutException ? "context deadline exceeded" : String.valueOf(cause.getMessage());
            LOG.warn("/health error; QGET failed {} (status code 503)", why);
            return false;
        });
    }

    /** Why {@code status} makes the member unhealthy, or null: an alarm not excluded, or no leader. */
    static String unhealthyReason(StatusResponse status, Set<String> excludedAlarms) {
        for (String error : status.getErrorsList()) {
            if (error.equals(EtcdError.NO_LEADER.message())) {
                continue;
            }
            String alarm = alarmName(error);
            if (alarm == null || !excludedAlarms.contains(alarm)) {
                return "active alarm " + error.trim();
            }
        }
        if (status.getLeader() == 0) {
            return "no leader";
        }
        return null;
    }

    /** {@code "memberID:1 alarm:NOSPACE "} → {@code NOSPACE}; null if the text names no alarm. */
    static String alarmName(String alarmMember) {
        int at = alarmMember.indexOf("alarm:");
        if (at < 0) {
            return null;
        }
        String rest = alarmMember.substring(at + "alarm:".length()).trim();
        int end = rest.indexOf(' ');
        return end < 0 ? rest : rest.substring(0, end);
    }
}
