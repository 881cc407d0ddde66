package dev.amend.runtime.plugins;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;

/** What identifies one state of a file: a changed jar has another size, modification time or file key. */
record Fingerprint(long size, long modifiedNanos, Object fileKey) {
    /** The state of a file that is not there. */
    static final Fingerprint ABSENT = new Fingerprint(-1, -1, null);

    /** Returns the state of the regular file {@code f} now, or {@link #ABSENT} when it is not one. */
    static Fingerprint of(Path f) throws IOException {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        return a.isRegularFile() ? new Fingerprint(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), a.fileKey())
                : ABSENT;
    }
}
