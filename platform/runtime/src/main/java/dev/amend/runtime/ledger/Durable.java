package dev.amend.runtime.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Crash-safe file writes: temporary file, fsync, atomic rename, fsync of the directory. */
final class Durable {
    static final String TMP_SUFFIX = ".tmp";

    private Durable() {
    }

    /** Writes {@code bytes} to {@code path} so that after a crash the file is either absent or complete. */
    static void write(Path path, byte[] bytes) throws IOException {
        write(path, bytes, true);
    }

    /**
     * Writes {@code bytes} to {@code path} through a fsynced temporary file and an atomic rename; the
     * rename is durable once the directory is synced ({@code syncDirectory} true, or by the caller).
     */
    static void write(Path path, byte[] bytes, boolean syncDirectory) throws IOException {
        Path tmp = path.resolveSibling(path.getFileName() + TMP_SUFFIX);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (syncDirectory) {
            syncDirectory(path.getParent());
        }
    }

    /** Forces a directory's entries (creations, renames, deletions) to disk. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
