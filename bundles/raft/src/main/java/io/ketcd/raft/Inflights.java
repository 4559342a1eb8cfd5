package io.ketcd.raft;

/**
 * The append messages in flight to one follower, as the last index each one carries: a
 * bounded FIFO ring. The leader stops sending appends while it is {@link #full()} and frees
 * slots as acknowledgements arrive ({@link #freeLE}).
 *
 * <p>Example with capacity 3: add(5), add(9), add(12) makes it full; an ack for index 9 frees
 * 5 and 9, leaving [12].
 */
final class Inflights {

    private final long[] buffer;
    /** Position of the oldest in-flight index. */
    private int start;
    private int count;

    Inflights(int capacity) {
        this.buffer = new long[capacity];
    }

    /** Records a message whose last entry is {@code index}; indexes must be added in order. */
    void add(long index) {
        if (full()) {
            throw new IllegalStateException("cannot add into a full inflights");
        }
        buffer[(start + count) % buffer.length] = index;
        count++;
    }

    /** Frees every in-flight message whose last index is {@code <= to}. */
    void freeLE(long to) {
        while (count > 0 && buffer[start] <= to) {
            start = (start + 1) % buffer.length;
            count--;
        }
        if (count == 0) {
            start = 0;
        }
    }

    /**
     * Frees the oldest message. A heartbeat response from a follower whose window is full
     * proves it is alive; freeing one slot lets the leader send again in case acks were lost.
     */
    void freeFirstOne() {
        if (count > 0) {
            freeLE(buffer[start]);
        }
    }

    boolean full() {
        return count == buffer.length;
    }

    int count() {
        return count;
    }

    void reset() {
        start = 0;
        count = 0;
    }
}
