package dev.amend.spi;

import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.LayerChoice;
import dev.amend.spi.model.EditableModel;
import java.util.List;

/**
 * Chooses where locate-then-edit methods should edit a model: the layer (ROME), the layer range (MEMIT, AlphaEdit)
 * and the token rule, from what the model does on facts it knows. ServiceLoader finds implementations
 * ({@code META-INF/services/dev.amend.spi.LayerLocator}); the kit's {@code causal} locator traces the facts.
 */
public interface LayerLocator {

    /** Returns the locator's name, lower case, e.g. {@code causal}. */
    String name();

    /** Returns a one-line description for listings. */
    String description();

    /**
     * Returns the chosen layers and token rule for {@code model}, with the evidence and the reasoning.
     *
     * @param facts     facts the model knows (each request's target is the answer it gives)
     * @param rangeSize how many consecutive layers the range for multi-layer methods spans
     * @param seed      seed of anything random in the choice
     * @param progress  told as the facts are worked through
     * @throws InvalidRequestException when no fact can be used
     */
    LayerChoice locate(EditableModel model, List<EditRequest> facts, int rangeSize, long seed,
                       ProgressListener progress);
}
