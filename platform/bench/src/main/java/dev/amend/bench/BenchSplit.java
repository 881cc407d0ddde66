package dev.amend.bench;

import dev.amend.demo.corpus.EditorSplit;
import dev.amend.demo.corpus.Fact;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.spi.InvalidRequestException;
import java.util.List;
import java.util.Locale;

/**
 * The part of a benchmark's data a run draws from, by {@link EditorSplit}'s rule (bucket = first byte of SHA-256 of
 * the key's UTF-8 bytes, modulo 10): {@code validation} (bucket 1: where hyperparameter profiles are tuned),
 * {@code heldout} (bucket 0: where reported figures come from), {@code untuned} (every bucket but 1: what a run
 * longer than the held-out split allows draws from without the facts profiles were tuned on), or {@code all}. The
 * key is the subject for the demo corpus's facts and the item's id (MQuAKE-CF: the case's id) for long-form files.
 */
public enum BenchSplit {
    /** Every fact of the corpus. */
    ALL,
    /** Bucket 1 of {@link EditorSplit}: the facts profiles are tuned on. */
    VALIDATION,
    /** Bucket 0 of {@link EditorSplit}: the facts reported figures come from (and learned editors never see). */
    HELDOUT,
    /**
     * Every bucket but 1: the held-out facts and those learned editors train on, none profiles were tuned on; for
     * runs of more edits than the held-out split has subjects (MEND has seen these facts in training).
     */
    UNTUNED;

    /** Returns the pool named {@code name} (all, validation, heldout or untuned, any case). */
    public static BenchSplit of(String name) {
        for (BenchSplit p : values()) {
            if (p.id().equals(name.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new InvalidRequestException("the split must be all, validation, heldout or untuned, not \"" + name
                + "\"");
    }

    /** Returns the facts of {@code corpus} in this pool, in file order. */
    public List<Fact> facts(FactCorpus corpus) {
        return switch (this) {
            case ALL -> corpus.facts();
            case VALIDATION -> EditorSplit.VALIDATION.facts(corpus);
            case HELDOUT -> EditorSplit.HELDOUT.facts(corpus);
            case UNTUNED -> corpus.facts().stream().filter(f -> EditorSplit.of(f) != EditorSplit.VALIDATION).toList();
        };
    }

    /** Returns true when the item keyed {@code key} (a subject, an item id) belongs to this part. */
    public boolean includes(String key) {
        return switch (this) {
            case ALL -> true;
            case VALIDATION -> EditorSplit.ofSubject(key) == EditorSplit.VALIDATION;
            case HELDOUT -> EditorSplit.ofSubject(key) == EditorSplit.HELDOUT;
            case UNTUNED -> EditorSplit.ofSubject(key) != EditorSplit.VALIDATION;
        };
    }

    /** Returns the lower-case name. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
