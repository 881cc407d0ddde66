package dev.amend.kit.trace;

import java.util.Objects;

/**
 * A prompt to trace.
 *
 * @param prompt  text with {@code {}} where the subject goes (or the subject written out once)
 * @param subject the subject whose token embeddings are corrupted
 * @param target  the answer whose probability is measured (its first token), or null for the model's own greedy
 *                answer on the clean run
 */
public record TraceRequest(String prompt, String subject, String target) {
    /** Checks the fields. */
    public TraceRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(subject, "subject");
        if (target != null && target.isBlank()) {
            target = null;
        }
    }
}
