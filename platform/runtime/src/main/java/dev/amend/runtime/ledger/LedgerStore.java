package dev.amend.runtime.ledger;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a ledger's journal and deltas are kept. The ledger logic ({@link EditLedger}) is written once over this
 * interface: it builds the journal records (JSON objects, as {@code docs/ledger.md} describes them) and the deltas
 * bytes, checks them when they are read back and applies them to the model; a store keeps them durably and in order.
 * {@link FileLedgerStore} keeps them in a directory (the embedded default); a shared store (PostgreSQL) lets several
 * processes append to one history, one writer at a time.
 */
public interface LedgerStore extends AutoCloseable {
    /**
     * What the store held when it was opened.
     *
     * @param records   the journal's records in order, the header first
     * @param tornBytes the bytes of a torn last record that were dropped (0 when none)
     * @param created   true when the ledger was created by this open (then {@code records} is the header alone)
     */
    record Contents(List<JsonObject> records, long tornBytes, boolean created) {
        /** Copies the list. */
        public Contents {
            records = List.copyOf(records);
        }
    }

    /** Returns where the ledger lives, for messages (a directory, or a database URL without its password). */
    String location();

    /** Returns true when other processes may append to the same ledger (then {@link #awaitChange} tells of it). */
    default boolean shared() {
        return false;
    }

    /** Returns the directory the ledger is kept in, or null when the store is not a directory. */
    default Path directory() {
        return null;
    }

    /**
     * Returns the journal, after creating the ledger with {@code header} as its first record when there was none;
     * takes what the store needs to be this ledger's only user in this process (the file store: the directory lock).
     *
     * @throws LedgerException when the ledger is in use elsewhere or its records are damaged
     */
    Contents open(JsonObject header) throws IOException;

    /**
     * Returns the stored deltas {@code file} of the acknowledged edit {@code id}.
     *
     * @throws LedgerCorruptException when they are missing
     */
    byte[] readDeltas(String file, String id) throws IOException;

    /**
     * Returns the names of the stored deltas it removed because no edit in {@code liveIds} refers to them (those of
     * {@code rolledBackIds}, and leftovers of writes a crash interrupted).
     */
    List<String> removeUnreferenced(Set<String> liveIds, Set<String> rolledBackIds) throws IOException;

    /**
     * Appends {@code records} with the deltas of their edit records ({@code deltas}, by the records' {@code file}
     * names); when this returns they are acknowledged (they survive a crash). On failure nothing of them is
     * acknowledged, except where the store says otherwise (a file journal keeps a prefix of a group cut by a crash).
     */
    void append(List<JsonObject> records, Map<String, byte[]> deltas) throws IOException;

    /** Forgets the deltas {@code files} of rolled-back edits; best effort ({@link #removeUnreferenced} finds the rest). */
    void discardDeltas(List<String> files);

    /**
     * Returns the records with a sequence number above {@code sequence} that other processes appended since, in
     * order (always empty for a store with one writer).
     */
    default List<JsonObject> recordsAfter(long sequence) throws IOException {
        return List.of();
    }

    /**
     * Returns a hold on the right to append, taken across processes, waiting at most {@code timeout} for it; close it
     * to give it up. A store with one writer (the directory lock) returns at once.
     *
     * @throws LedgerUnavailableException when it cannot be had in time
     */
    default AutoCloseable lockWriter(Duration timeout) throws IOException {
        return () -> { };
    }

    /**
     * Returns true when another process may have appended records, after waiting at most {@code timeout} for word of
     * it; false when the wait ran out (a store with one writer just waits).
     */
    default boolean awaitChange(Duration timeout) throws InterruptedException {
        Thread.sleep(timeout.toMillis());
        return false;
    }

    /** Releases what {@link #open} took; the stored records stay. */
    @Override
    void close();
}
