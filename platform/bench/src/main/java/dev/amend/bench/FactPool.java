package dev.amend.bench;

import dev.amend.demo.corpus.EditorSplit;
import dev.amend.demo.corpus.Fact;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.spi.InvalidRequestException;
import java.util.List;
import java.util.Locale;

/**
 * The parts of the demo corpus a benchmark draws its edits from, by {@link EditorSplit}: {@code validation}
 * (bucket 1: where hyperparameter profiles are tuned), {@code heldout} (bucket 0: where reported figures come
 * from), or {@code all} facts.
 */
public enum FactPool {
    /** Every fact of the corpus. */
    ALL,
    /** Bucket 1 of {@link EditorSplit}: the facts profiles are tuned on. */
    VALIDATION,
    /** Bucket 0 of {@link EditorSplit}: the facts reported figures come from (and learned editors never see). */
    HELDOUT;

    /** Returns the pool named {@code name} (all, validation or heldout, any case). */
    public static FactPool of(String name) {
        for (FactPool p : values()) {
            if (p.id().equals(name.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new InvalidRequestException("the split must be all, validation or heldout, not \"" + name + "\"");
    }

    /** Returns the facts of {@code corpus} in this pool, in file order. */
    public List<Fact> facts(FactCorpus corpus) {
        return switch (this) {
            case ALL -> corpus.facts();
            case VALIDATION -> EditorSplit.VALIDATION.facts(corpus);
            case HELDOUT -> EditorSplit.HELDOUT.facts(corpus);
        };
    }

    /** Returns the lower-case name. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
