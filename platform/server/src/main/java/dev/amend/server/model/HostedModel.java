package dev.amend.server.model;

import dev.amend.runtime.editing.AppliedEdits;
import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.runtime.ledger.LedgerWriter;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.TextCorpus;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.GenerationResult;
import dev.amend.spi.model.Sampling;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * One served model. Generation reads {@link #serving()} under the read lock; weight changes (recording,
 * rolling back, importing edits) take the write lock, so a generation sees the weights before or after
 * a change, never between. Edits are computed on {@link #working()}: a second copy of the weights when
 * edits are isolated (then generation never waits for an edit's computation), else the serving model
 * itself, and then the whole edit holds the write lock.
 */
public final class HostedModel implements AutoCloseable {
    private final String name;
    private final String source;
    private final Transformer serving;
    private final Transformer working;
    private final EditLedger ledger;
    private final TextCorpus statisticsCorpus;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Duration writerWait;
    /** Weights other replicas' edits changed in the serving copy that the working copy has not taken yet. */
    private final Set<String> staleInWorking = new LinkedHashSet<>();

    /**
     * Creates a served model.
     *
     * @param name             the name in the API
     * @param source           where the weights came from (for describe)
     * @param serving          the weights generation reads
     * @param working          the weights edits are computed on ({@code serving} itself when not isolated)
     * @param ledger           the durable ledger of the edits applied to {@code serving} (already replayed)
     * @param statisticsCorpus text for layer statistics; may be null
     */
    public HostedModel(String name, String source, Transformer serving, Transformer working, EditLedger ledger,
                       TextCorpus statisticsCorpus) {
        this(name, source, serving, working, ledger, statisticsCorpus, EditLedger.DEFAULT_WRITER_WAIT);
    }

    /**
     * Creates a served model whose changes wait at most {@code writerWait} for the right to change a ledger shared
     * with other replicas (see the other constructor for the rest).
     */
    public HostedModel(String name, String source, Transformer serving, Transformer working, EditLedger ledger,
                       TextCorpus statisticsCorpus, Duration writerWait) {
        this.writerWait = writerWait;
        this.name = name;
        this.source = source;
        this.serving = serving;
        this.working = working;
        this.ledger = ledger;
        this.statisticsCorpus = statisticsCorpus;
    }

    /** Returns the model's name in the API. */
    public String name() {
        return name;
    }

    /** Returns where the weights came from. */
    public String source() {
        return source;
    }

    /** Returns the weights generation reads; hold {@link #read} around any use. */
    public Transformer serving() {
        return serving;
    }

    /** Returns the weights edits are computed on (only the edit thread touches them). */
    public Transformer working() {
        return working;
    }

    /** Returns true when edits are computed on a separate copy of the weights. */
    public boolean isolated() {
        return working != serving;
    }

    /** Returns the model's durable ledger; call its changing operations under {@link #write}. */
    public EditLedger ledger() {
        return ledger;
    }

    /**
     * Returns what kind of ledger the model has and where it lives, for describe: {@code durable (<directory>)}, or
     * {@code shared (<database URL without the password> (ledger <name>))}.
     */
    public String ledgerDescription() {
        return ledger.shared() ? "shared (" + ledger.location() + ")"
                : "durable (" + ledger.directory().toAbsolutePath() + ")";
    }

    /**
     * Returns the right to change the model's history, taken for the calling thread (the edit thread) before the
     * write lock and held across an edit's computation, so that with a ledger shared by replicas one edit of the
     * model runs at a time among them; then {@link #catchUp} brings the weights to the shared history first.
     *
     * @throws dev.amend.runtime.ledger.LedgerUnavailableException when the right is not free in time or the database
     *                                                            does not answer
     */
    public LedgerWriter.Hold holdWriter() {
        return ledger.lockWriter(writerWait);
    }

    /**
     * Returns what it applied to the serving weights (under the write lock) of the changes other replicas made to the
     * shared history; the working copy takes them at the next {@link #syncStaleWorking}. Empty for a file ledger.
     */
    public EditLedger.CatchUp catchUp() {
        if (!ledger.shared()) {
            return new EditLedger.CatchUp(java.util.List.of(), java.util.List.of(), Set.of());
        }
        // the stale weights are noted under the write lock too, so an edit that catches up after this sees them
        return write(() -> {
            EditLedger.CatchUp c = ledger.catchUp();
            synchronized (staleInWorking) {
                staleInWorking.addAll(c.weights());
            }
            return c;
        });
    }

    /** Copies into the working copy the weights other replicas' changes made stale (call on the edit thread). */
    public void syncStaleWorking() {
        Set<String> stale;
        synchronized (staleInWorking) {
            stale = new TreeSet<>(staleInWorking);
            staleInWorking.clear();
        }
        syncWorking(stale);
    }

    /** Returns the text layer statistics are collected from; may be null. */
    public TextCorpus statisticsCorpus() {
        return statisticsCorpus;
    }

    /** Returns what {@code work} returns, run under the read lock (concurrently with other readers). */
    public <T> T read(Supplier<T> work) {
        lock.readLock().lock();
        try {
            return work.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Returns what {@code work} returns, run under the write lock (alone). */
    public <T> T write(Supplier<T> work) {
        lock.writeLock().lock();
        try {
            return work.get();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Returns the SHA-256 of the serving weights now, hashed as the base hash is (equal to it with no edit applied). */
    public String weightsHash() {
        return read(() -> digest(serving));
    }

    /**
     * Records {@code edit}, which {@code applied} holds applied to the working copy, in the ledger, and returns its
     * entry. Under the write lock the touched weights are copied from the working copy to the serving one (when
     * isolated), then the ledger records the edit as applied (durably, before this returns). If recording fails,
     * the serving weights are put back and the exception propagates; the caller then restores the working copy.
     */
    public LedgerEntry recordApplied(Edit edit, Map<String, Object> info, AppliedEdits applied) {
        return write(() -> {
            copyToServing(applied.weights(), edit);
            try {
                return ledger.recordApplied(edit, info, applied::preEdit);
            } catch (RuntimeException | Error e) {
                if (isolated()) {
                    applied.restoreInto(serving);
                    serving.setAdapters(working.adapters().stream().filter(a -> !edit.adapters().contains(a))
                            .toList());
                }
                throw e;
            }
        });
    }

    /** Copies the named weights from the working copy to the serving one and adds {@code edit}'s adapters there. */
    private void copyToServing(Collection<String> weightNames, Edit edit) {
        if (isolated()) {
            for (String n : new TreeSet<>(weightNames)) {
                serving.setWeight(n, working.weight(n));
            }
            edit.adapters().forEach(serving::addAdapter);
        }
    }

    /**
     * Returns the continuation of {@code prompt} by the serving weights (under the read lock), greedy unless
     * {@code temperature} > 0, or throws {@link InvalidRequestException} for an empty or too long prompt or a
     * budget outside 0..1024.
     */
    public GenerationResult generate(String prompt, int maxNewTokens, double temperature, int topK, long seed) {
        if (prompt == null || prompt.isBlank()) {
            throw new InvalidRequestException("the prompt is empty: give text to continue");
        }
        if (maxNewTokens < 0 || maxNewTokens > 1024) {
            throw new InvalidRequestException("maxNewTokens must be in 0..1024, got " + maxNewTokens);
        }
        Sampling sampling = new Sampling(temperature, topK, seed);
        int[] ids = serving.tokenizer().encode(prompt, true);
        int context = serving.architecture().maxContext();
        if (ids.length >= context) {
            throw new InvalidRequestException("the prompt is " + ids.length + " tokens but model " + name
                    + " reads at most " + context + " (including the new tokens): shorten it");
        }
        return read(() -> serving.generate(new GenerationRequest(ids, maxNewTokens, sampling, true)));
    }

    /**
     * Copies the named weights and the list of adapters from the serving model into the working copy (no-op when not
     * isolated).
     */
    public void syncWorking(Collection<String> weightNames) {
        if (!isolated()) {
            return;
        }
        read(() -> {
            for (String n : new TreeSet<>(weightNames)) {
                working.setWeight(n, serving.weight(n));
            }
            if (!working.adapters().equals(serving.adapters())) {
                working.setAdapters(serving.adapters());
            }
            return null;
        });
    }

    /** Returns the SHA-256 over the weights in name order, float32 little-endian, as {@link Transformer#baseHash()}. */
    public static String digest(Transformer model) {
        return model.weightsHash();
    }

    /** Closes the ledger and frees both copies of the weights. */
    @Override
    public void close() throws Exception {
        write(() -> {
            try {
                ledger.close();
            } finally {
                if (isolated()) {
                    working.close();
                }
                serving.close();
            }
            return null;
        });
    }
}
