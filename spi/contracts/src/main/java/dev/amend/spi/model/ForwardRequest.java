package dev.amend.spi.model;

import ai.djl.ndarray.NDArray;
import dev.amend.spi.InvalidRequestException;
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
 * @param weightOffsets  differentiable changes of edit-point weights for this pass only (at most one per layer)
 * @param additions      whole tensors added at sites (differentiable)
 * @param replacements   states set at sites where a mask says so (at most one per layer and site)
 */
public record ForwardRequest(
        List<int[]> tokens,
        List<Intervention> interventions,
        List<Capture> captures,
        int stopAfterLayer,
        Resume resume,
        boolean gradients,
        List<WeightOffset> weightOffsets,
        List<SiteAddition> additions,
        List<SiteReplacement> replacements) {

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
        weightOffsets = weightOffsets == null ? List.of() : List.copyOf(weightOffsets);
        additions = additions == null ? List.of() : List.copyOf(additions);
        replacements = replacements == null ? List.of() : List.copyOf(replacements);
        java.util.Set<Integer> offsetLayers = new java.util.HashSet<>();
        for (WeightOffset o : weightOffsets) {
            if (!offsetLayers.add(o.layer())) {
                throw new InvalidRequestException("two weight offsets for layer " + o.layer() + ": add them first");
            }
        }
        if (tokens.isEmpty()) {
            throw new InvalidRequestException("a forward pass needs at least one sequence");
        }
        for (int[] t : tokens) {
            if (t.length == 0) {
                throw new InvalidRequestException("a sequence to run through the model is empty");
            }
        }
    }

    /** Returns a pass without site replacements (the eight fields before replacements were added). */
    public ForwardRequest(List<int[]> tokens, List<Intervention> interventions, List<Capture> captures,
                          int stopAfterLayer, Resume resume, boolean gradients, List<WeightOffset> weightOffsets,
                          List<SiteAddition> additions) {
        this(tokens, interventions, captures, stopAfterLayer, resume, gradients, weightOffsets, additions, List.of());
    }

    /** Returns a pass without weight offsets or site additions (the original six fields). */
    public ForwardRequest(List<int[]> tokens, List<Intervention> interventions, List<Capture> captures,
                          int stopAfterLayer, Resume resume, boolean gradients) {
        this(tokens, interventions, captures, stopAfterLayer, resume, gradients, List.of(), List.of(), List.of());
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
        private final List<WeightOffset> weightOffsets = new ArrayList<>();
        private final List<SiteAddition> additions = new ArrayList<>();
        private final List<SiteReplacement> replacements = new ArrayList<>();

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

        /** Offsets an edit-point weight for this pass and returns this builder. */
        public Builder offset(WeightOffset o) {
            weightOffsets.add(o);
            return this;
        }

        /** Adds a whole tensor at a site and returns this builder. */
        public Builder add(SiteAddition a) {
            additions.add(a);
            return this;
        }

        /** Sets states at a site where a mask says so and returns this builder. */
        public Builder replace(SiteReplacement r) {
            replacements.add(r);
            return this;
        }

        /** Returns the request. */
        public ForwardRequest build() {
            return new ForwardRequest(tokens, interventions, captures, stopAfterLayer, resume, gradients,
                    weightOffsets, additions, replacements);
        }
    }
}
