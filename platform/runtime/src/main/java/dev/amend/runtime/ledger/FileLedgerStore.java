package dev.amend.runtime.ledger;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A ledger in a directory (the embedded default): {@code journal.jsonl}, one checksummed record a line, each append
 * fsynced; {@code deltas/<seq>-<id>.safetensors}, each written through a fsynced temporary file; and {@code lock},
 * held while the ledger is open, so one ledger object in one process writes the directory.
 */
public final class FileLedgerStore implements LedgerStore {
    private static final System.Logger LOG = System.getLogger(FileLedgerStore.class.getName());
    private static final Pattern DELTAS_FILE = Pattern.compile("(\\d{6,})-([0-9a-f]{12})\\.safetensors");

    private final Path dir;
    private final Path deltasDir;
    private FileChannel lockChannel;
    private Journal journal;

    /** Creates the store of the ledger in {@code dir}; nothing is read or created before {@link #open}. */
    public FileLedgerStore(Path dir) {
        this.dir = dir;
        this.deltasDir = dir.resolve("deltas");
    }

    /** Returns the directory. */
    @Override
    public String location() {
        return dir.toString();
    }

    /** Returns the directory. */
    @Override
    public Path directory() {
        return dir;
    }

    /** Returns the journal after taking the directory lock; creates the directory and the journal when absent. */
    @Override
    public Contents open(JsonObject header) throws IOException {
        Files.createDirectories(deltasDir);
        lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            throw new LedgerException("the edit ledger " + dir
                    + " is open in another process or by another ledger object: close it first");
        }
        Path journalPath = dir.resolve("journal.jsonl");
        Files.deleteIfExists(dir.resolve("journal.jsonl" + Durable.TMP_SUFFIX));
        if (!Files.exists(journalPath)) {
            journal = Journal.create(journalPath, header);
            // Make the new directories themselves durable, so an acknowledged edit cannot lose its ledger.
            Durable.syncDirectory(dir);
            Durable.syncDirectory(dir.toAbsolutePath().getParent());
            return new Contents(List.of(header), 0, true);
        }
        Journal.Contents contents = Journal.read(journalPath);
        if (contents.tornBytes() > 0) {
            LOG.log(Level.WARNING, "edit ledger {0}: dropped a torn last journal line ({1} bytes at byte {2}):"
                    + " an append interrupted by a crash; that record was never acknowledged",
                    journalPath, contents.tornBytes(), contents.validBytes());
        }
        journal = Journal.openForAppend(journalPath, contents.validBytes());
        return new Contents(contents.records(), contents.tornBytes(), false);
    }

    /** Returns the bytes of {@code deltas/<file>}, or throws {@link LedgerCorruptException} when it is missing. */
    @Override
    public byte[] readDeltas(String file, String id) throws IOException {
        Path path = deltasDir.resolve(file);
        if (!Files.exists(path)) {
            throw new LedgerCorruptException(dir.resolve("journal.jsonl"), "the deltas file " + path
                    + " of acknowledged edit " + id + " is missing");
        }
        return Files.readAllBytes(path);
    }

    /**
     * Returns the deltas files removed: those of rolled-back edits, those without a journal record (a crash between
     * writing the deltas and the journal) and temporary files of interrupted writes.
     */
    @Override
    public List<String> removeUnreferenced(Set<String> liveIds, Set<String> rolledBackIds) throws IOException {
        List<String> removed = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(deltasDir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                var m = DELTAS_FILE.matcher(name);
                if (name.endsWith(Durable.TMP_SUFFIX)) {
                    LOG.log(Level.INFO, "edit ledger: removing {0}, a write interrupted by a crash", f);
                } else if (!m.matches() || liveIds.contains(m.group(2))) {
                    continue;
                } else if (rolledBackIds.contains(m.group(2))) {
                    LOG.log(Level.INFO, "edit ledger: removing {0}, the deltas of a rolled-back edit", f);
                } else {
                    LOG.log(Level.WARNING, "edit ledger: removing {0}, a deltas file without a journal record"
                            + " (a crash between writing the deltas and the journal; the edit was never acknowledged)",
                            f);
                }
                Files.delete(f);
                removed.add(name);
            }
        }
        if (!removed.isEmpty()) {
            Durable.syncDirectory(deltasDir);
        }
        return removed;
    }

    /**
     * Writes each deltas file (fsynced), syncs the deltas directory once, then appends all records in one write and
     * one fsync: a group commit. Deltas files already written have no journal record when this fails: the next
     * open removes them.
     */
    @Override
    public void append(List<JsonObject> records, Map<String, byte[]> deltas) throws IOException {
        for (Map.Entry<String, byte[]> d : deltas.entrySet()) {
            Durable.write(deltasDir.resolve(d.getKey()), d.getValue(), false);
        }
        if (!deltas.isEmpty()) {
            Durable.syncDirectory(deltasDir);
        }
        journal.append(records);
    }

    /** Deletes the deltas files; a failure is logged and left to the next open. */
    @Override
    public void discardDeltas(List<String> files) {
        for (String f : files) {
            try {
                Files.deleteIfExists(deltasDir.resolve(f));
            } catch (IOException ex) {
                LOG.log(Level.WARNING, "edit ledger: could not delete {0}, the deltas of a rolled-back edit ({1});"
                        + " the next open removes them", f, ex.getMessage());
            }
        }
    }

    /** Closes the journal and releases the directory lock. */
    @Override
    public void close() {
        try {
            if (journal != null) {
                journal.close();
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "edit ledger: closing the journal failed: {0}", e.getMessage());
        }
        try {
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "edit ledger: releasing the lock failed: {0}", e.getMessage());
        }
    }
}
