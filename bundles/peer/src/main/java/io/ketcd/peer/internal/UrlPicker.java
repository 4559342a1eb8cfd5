package io.ketcd.peer.internal;

import java.net.URI;
import java.util.List;

/** etcd's urlPicker: keeps using one of a peer's URLs until it fails, then moves to the next. Thread-safe. */
final class UrlPicker {
    private List<URI> urls;
    private int picked;

    UrlPicker(List<URI> urls) {
        update(urls);
    }

    synchronized void update(List<URI> urls) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("a peer needs at least one URL");
        }
        this.urls = List.copyOf(urls);
        this.picked = 0;
    }

    synchronized URI pick() {
        return urls.get(picked);
    }

    /** How many URLs the peer has. */
    synchronized int size() {
        return urls.size();
    }

    /** {@code url} failed: the next pick is another URL, unless the picker moved on already. */
    synchronized void unreachable(URI url) {
        if (url.equals(urls.get(picked))) {
            picked = (picked + 1) % urls.size();
        }
    }
}
