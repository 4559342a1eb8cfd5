package io.ketcd.tls.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * What tells one version of a file from the next without reading it: modification time (to the
 * nanosecond where the file system keeps it), size, and the file key (the inode, which changes
 * when a new file is renamed over the old one).
 */
record FileStamp(Path path, FileTime modified, long size, Object fileKey) {
    private static final FileTime MISSING = FileTime.fromMillis(Long.MIN_VALUE);

    /** The stamp of {@code path} now; a missing or unreadable file has a stamp of its own. */
    static FileStamp of(Path path) {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            return new FileStamp(path, a.lastModifiedTime(), a.size(), a.fileKey());
        } catch (IOException e) {
            return new FileStamp(path, MISSING, -1, null);
        }
    }
}
