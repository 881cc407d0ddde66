package dev.amend.server.ledger;

import dev.amend.spi.Edit;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The edits applied to one served model. The host calls the changing operations (record, rollback, import)
 * with the model's write lock held and the others with its read lock held, so an implementation need
 * not be thread-safe beyond that. The operations are those of the runtime's edit
 * ledger ({@code dev.amend.runtime.ledger.EditLedger}); the host depends on this interface only.
 */
public interface Ledger extends AutoCloseable {

    /** Returns what kind of ledger this is, for describe and logs, e.g. {@code in-memory} or {@code durable}. */
    String kind();

    /** Records {@code edit} (durably, before returning) and applies it to the model; returns its entry. */
    LedgerEntry record(Edit edit, Map<String, Object> info) throws IOException;

    /** Returns the applied edits, oldest first. */
    List<LedgerEntry> entries();

    /** Returns the entry with {@code id}, if applied. */
    Optional<LedgerEntry> entry(String id);

    /** Rolls back the edits with {@code ids} (any position in the history); returns what was done. */
    RollbackResult rollback(List<String> ids) throws IOException;

    /** Writes the edits with {@code ids} (empty: all) as a patch file to {@code out}. */
    void exportPatch(List<String> ids, OutputStream out) throws IOException;

    /** Reads a patch, checks it was made for this base model, records and applies its edits; returns their entries. */
    List<LedgerEntry> importPatch(InputStream in) throws IOException;

    /** Releases files the ledger holds open. */
    @Override
    void close() throws IOException;
}
