package dev.amend.demo.corpus;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The fixed split of the corpus for training learned editors (MEND) and judging them on facts they never
 * saw: by subject, so every fact of a subject falls in the same part. Bucket = first byte of SHA-256 of the
 * subject's UTF-8 bytes, modulo 10: bucket 0 is held out (never used in training, the acceptance set),
 * bucket 1 is the validation set used for early stopping, buckets 2-9 are training facts.
 */
public enum EditorSplit {
    /** Facts learned editors are trained on (buckets 2-9). */
    TRAIN,
    /** Facts for validation and early stopping during training (bucket 1). */
    VALIDATION,
    /** Facts training never sees (bucket 0): the held-out set benchmarks of learned editors draw from. */
    HELDOUT;

    /** Returns the part {@code fact} belongs to. */
    public static EditorSplit of(Fact fact) {
        return ofSubject(fact.subject());
    }

    /** Returns the part the facts of {@code subject} belong to. */
    public static EditorSplit ofSubject(String subject) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(subject.getBytes(StandardCharsets.UTF_8));
            int bucket = (h[0] & 0xFF) % 10;
            return bucket == 0 ? HELDOUT : bucket == 1 ? VALIDATION : TRAIN;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Returns the facts of {@code corpus} in this part, in file order. */
    public List<Fact> facts(FactCorpus corpus) {
        List<Fact> out = new ArrayList<>();
        for (Fact f : corpus.facts()) {
            if (of(f) == this) {
                out.add(f);
            }
        }
        return out;
    }

    /** Returns the lower-case name. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
