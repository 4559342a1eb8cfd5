package io.ketcd.itests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.junit.rules.ExternalResource;

/**
 * The members of one ketcd cluster ({@link KetcdNode#unpackCluster(int, Map)}) for a test class
 * ({@code @ClassRule}) or for each test ({@code @Rule}): unpacked and started before, every
 * process stopped and every directory deleted after, whatever the test did to them.
 */
public final class RunningCluster extends ExternalResource {

    private final int size;
    private final Map<String, String> settings;
    private List<KetcdNode> members = List.of();

    /** A cluster of {@code size} members, all started with the {@code ETCD_*} {@code settings}. */
    public RunningCluster(int size, Map<String, String> settings) {
        this.size = size;
        this.settings = Map.copyOf(settings);
    }

    @Override
    protected void before() {
        members = KetcdNode.unpackCluster(size, settings);
        try {
            startConcurrently(members);
        } catch (RuntimeException | Error e) {
            after(); // JUnit runs after() only when before() succeeded
            throw e;
        }
    }

    @Override
    protected void after() {
        List<Throwable> failures = new ArrayList<>();
        for (KetcdNode member : members) {
            try {
                member.close();
            } catch (RuntimeException | Error e) {
                failures.add(e);
            }
        }
        members = List.of();
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("could not stop and delete every member");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    /**
     * Starts {@code nodes} at the same time and returns when every one has booted. A member's boot
     * does not wait for the others (its client port opens before a leader exists), but the
     * cluster needs a majority up to elect one, and parallel boots take about as long as one.
     */
    public static void startConcurrently(List<KetcdNode> nodes) {
        ExecutorService starters = Executors.newFixedThreadPool(nodes.size());
        try {
            List<Future<KetcdNode>> started = new ArrayList<>();
            for (KetcdNode node : nodes) {
                started.add(starters.submit(node::start));
            }
            for (Future<KetcdNode> f : started) {
                f.get(KetcdNode.BOOT_TIMEOUT.toMillis() + Duration.ofMinutes(1).toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new AssertionError("a member did not start", e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("members did not start within their bound", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while starting members", e);
        } finally {
            starters.shutdownNow();
        }
    }

    /** The members, m1 first; stable for the life of the rule. */
    public List<KetcdNode> members() {
        return members;
    }

    public KetcdNode member(int index) {
        return members.get(index);
    }

    /** etcdctl with {@code --endpoints} naming every member. */
    public Exec.Result etcdctl(byte[] stdin, String... args) {
        return KetcdNode.etcdctl(members, stdin, args);
    }

    /** Every member's diagnostics (log tails, thread dumps), for failure messages. */
    public String diagnostics() {
        return members.stream().map(m -> "=== member " + m.name() + " in " + m.home() + "\n" + m.diagnostics())
                .collect(Collectors.joining());
    }
}
