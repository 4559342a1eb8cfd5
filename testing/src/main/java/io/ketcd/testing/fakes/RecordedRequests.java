package io.ketcd.testing.fakes;

import com.google.protobuf.Message;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The requests a fake received, in order, as etcd's messages (a call without a request, such as
 * {@code status()}, is recorded as its etcd request message), so a test checks what was sent.
 */
public final class RecordedRequests {
    private final List<Message> received = new CopyOnWriteArrayList<>();

    void add(Message request) {
        received.add(request);
    }

    /** Every request, in the order received. */
    public List<Message> all() {
        return List.copyOf(received);
    }

    /** The requests of one type, in the order received. */
    public <T extends Message> List<T> of(Class<T> type) {
        return received.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The one request received, which must be of {@code type}. */
    public <T extends Message> T only(Class<T> type) {
        List<Message> now = all();
        if (now.size() != 1 || !type.isInstance(now.get(0))) {
            throw new AssertionError("expected one " + type.getSimpleName() + ", got " + now);
        }
        return type.cast(now.get(0));
    }

    public boolean isEmpty() {
        return received.isEmpty();
    }

    public void clear() {
        received.clear();
    }

    @Override
    public String toString() {
        return received.toString();
    }
}
