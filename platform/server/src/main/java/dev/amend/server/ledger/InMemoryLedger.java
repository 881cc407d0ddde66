package dev.amend.server.ledger;

import dev.amend.spi.Edit;
import dev.amend.spi.EditableModel;
import dev.amend.spi.InvalidRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * TEMPORARY ADAPTER until the runtime's durable {@code EditLedger} is merged: keeps the applied edits
 * in a list in memory (nothing survives a restart) and applies them with {@link Edit#applyTo}. It keeps
 * the base values of every weight an edit touched, so a rollback restores those weights exactly and
 * re-applies the remaining edits' deltas in order (bit for bit what applying them in that order to the
 * base gives; edits are not recomputed). Patches are JSON ({@link JsonPatches}).
 */
public final class InMemoryLedger implements Ledger {
    private final EditableModel model;
    private final List<LedgerEntry> entries = new ArrayList<>();
    private final Map<String, float[]> base = new java.util.HashMap<>();
    private long sequence;

    /** Creates an empty ledger over {@code model}. */
    public InMemoryLedger(EditableModel model) {
        this.model = model;
    }

    /** The kind this ledger reports. */
    public static final String KIND = "in-memory (temporary adapter: edits are lost on restart)";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public LedgerEntry record(Edit edit, Map<String, Object> info) {
        LedgerEntry entry = new LedgerEntry(nextId(edit), edit, info, Instant.now());
        for (var d : edit.deltas()) {
            base.computeIfAbsent(d.weight(), n -> model.weight(n).toFloatArray());
        }
        edit.applyTo(model);
        entries.add(entry);
        return entry;
    }

    @Override
    public List<LedgerEntry> entries() {
        return List.copyOf(entries);
    }

    @Override
    public Optional<LedgerEntry> entry(String id) {
        return entries.stream().filter(e -> e.id().equals(id)).findFirst();
    }

    @Override
    public RollbackResult rollback(List<String> ids) {
        Set<String> wanted = new LinkedHashSet<>(ids);
        for (String id : wanted) {
            if (entry(id).isEmpty()) {
                throw new InvalidRequestException("edit " + id + " is not applied to " + model.name());
            }
        }
        List<String> done = new ArrayList<>();
        for (LedgerEntry e : entries) {
            if (wanted.contains(e.id())) {
                done.add(e.id());
            }
        }
        entries.removeIf(e -> wanted.contains(e.id()));
        try (ai.djl.ndarray.NDManager scratch = model.manager().newSubManager()) {
            for (Map.Entry<String, float[]> b : base.entrySet()) {
                model.setWeight(b.getKey(), scratch.create(b.getValue(), model.weight(b.getKey()).getShape()));
            }
        }
        for (LedgerEntry e : entries) {
            e.edit().applyTo(model);
        }
        return new RollbackResult(done, false, "restored the base values of the edited weights and re-applied the "
                + entries.size() + " remaining edits' deltas in order (no edit was recomputed)");
    }

    @Override
    public void exportPatch(List<String> ids, OutputStream out) throws IOException {
        List<LedgerEntry> chosen = new ArrayList<>();
        for (String id : ids) {
            chosen.add(entry(id).orElseThrow(() -> new InvalidRequestException("edit " + id + " is not applied to "
                    + model.name())));
        }
        JsonPatches.write(model.baseHash(), ids.isEmpty() ? entries() : chosen, out);
    }

    @Override
    public List<LedgerEntry> importPatch(InputStream in) throws IOException {
        List<LedgerEntry> read = JsonPatches.read(in, model.baseHash());
        List<LedgerEntry> added = new ArrayList<>();
        for (LedgerEntry e : read) {
            added.add(record(e.edit(), e.info()));
        }
        return added;
    }

    @Override
    public void close() {
        entries.clear();
    }

    private String nextId(Edit edit) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((sequence++ + "|" + System.nanoTime() + "|" + edit.method() + "|" + edit.requests())
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "e-" + HexFormat.of().formatHex(d.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
