package io.ketcd.bench;

import io.grpc.Status;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Failures by gRPC status code (or a name of the generator's own, such as {@code MISSING} for a
 * watch event that never came), with the description of the first of each kind. Safe to add to
 * from any transport thread; a report reads it once the phase is over.
 */
final class ErrorTally {
    private record Tally(LongAdder count, String example) {
    }

    private final Map<String, Tally> byCode = new ConcurrentHashMap<>();

    void add(Throwable t) {
        Status status = Status.fromThrowable(t);
        add(status.getCode().name(), String.valueOf(status.getDescription()), 1);
    }

    void add(String code, String example, long count) {
        if (count > 0) {
            byCode.computeIfAbsent(code, c -> new Tally(new LongAdder(), example)).count().add(count);
        }
    }

    boolean isEmpty() {
        return byCode.isEmpty();
    }

    /** The counts so far, sorted by code. */
    Map<String, LoadRunner.ErrorCount> snapshot() {
        Map<String, LoadRunner.ErrorCount> errors = new TreeMap<>();
        byCode.forEach((code, t) -> errors.put(code, new LoadRunner.ErrorCount(t.count().sum(), t.example())));
        return errors;
    }
}
