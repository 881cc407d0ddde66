package dev.amend.spi;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One batched forward pass. Sequences of different lengths are right-padded internally; with
 * causal attention padding never influences real positions, and outputs at padded positions are
 * meaningless.
 *
 * @param tokens         the token ids of each sequence
 * @param interventions  vectors added on the way
 * @param captures       hidden states to return
 * @param stopAfterLayer run blocks up to and including this one and skip the head; -1 runs the whole model
 * @param resume         start at a block from a stored residual stream instead of from the embeddings; may be null
 * @param gradients      build the autograd graph (weights stay frozen; interventions may require gradients)
 */
public record ForwardRequest(
        List<int[]> tokens,
        List<Intervention> interventions,
        List<Capture> captures,
        int stopAfterLayer,
        Resume resume,
        boolean gradients) {

    /**
     * Starts the pass at block {@code layer} with {@code hidden} as the residual stream entering it.
     *
     * @param layer  first block to run
     * @param hidden shape [B, T, d], as captured at {@link Site#LAYER_INPUT} of {@code layer} for the same tokens
     */
    public record Resume(int layer, NDArray hidden) {
        /** Checks the fields. */
        public Resume {
            Objects.requireNonNull(hidden, "hidden");
        }
    }

    /** Copies the lists and checks the sequences. */
    public ForwardRequest {
        tokens = List.copyOf(tokens);
        interventions = List.copyOf(interventions);
        captures = List.copyOf(captures);
        if (tokens.isEmpty()) {
            throw new InvalidRequestException("a forward pass needs at least one sequence");
        }
        for (int[] t : tokens) {
            if (t.length == 0) {
                throw new InvalidRequestException("a sequence to run through the model is empty");
            }
        }
    }

    /** Returns a plain no-gradient forward of {@code tokens} with logits. */
    public static ForwardRequest of(List<int[]> tokens) {
        return builder(tokens).build();
    }

    /** Returns a builder for a pass over {@code tokens}. */
    public static Builder builder(List<int[]> tokens) {
        return new Builder(tokens);
    }

    /** Returns the length of the longest sequence. */
    public int maxLength() {
        int m = 0;
        for (int[] t : tokens) {
            m = Math.max(m, t.length);
        }
        return m;
    }

    /** Builds a {@link ForwardRequest}. */
    public static final class Builder {
        private final List<int[]> tokens;
        private final List<Intervention> interventions = new ArrayList<>();
        private final List<Capture> captures = new ArrayList<>();
        private int stopAfterLayer = -1;
        private Resume resume;
        private boolean gradients;

        private Builder(List<int[]> tokens) {
            this.tokens = tokens;
        }

        /** Adds an intervention and returns this builder. */
        public Builder intervene(Intervention i) {
            interventions.add(i);
            return this;
        }

        /** Adds interventions and returns this builder. */
        public Builder intervene(List<Intervention> is) {
            interventions.addAll(is);
            return this;
        }

        /** Adds a capture and returns this builder. */
        public Builder capture(int layer, Site site) {
            captures.add(new Capture(layer, site));
            return this;
        }

        /** Adds a capture and returns this builder. */
        public Builder capture(Capture c) {
            captures.add(c);
            return this;
        }

        /** Stops after block {@code layer} (no logits) and returns this builder. */
        public Builder stopAfter(int layer) {
            this.stopAfterLayer = layer;
            return this;
        }

        /** Resumes at block {@code layer} from {@code hidden} and returns this builder. */
        public Builder resume(int layer, NDArray hidden) {
            this.resume = new Resume(layer, hidden);
            return this;
        }

        /** Builds the autograd graph and returns this builder. */
        public Builder gradients(boolean on) {
            this.gradients = on;
            return this;
        }

        /** Returns the request. */
        public ForwardRequest build() {
            return new ForwardRequest(tokens, interventions, captures, stopAfterLayer, resume, gradients);
        }
    }
}
