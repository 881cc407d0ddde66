package dev.amend.spi.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.amend.spi.edit.WeightDelta;
import java.util.Set;

/**
 * What an editor may do to a model: tokenize, run forward passes with interventions and captures
 * (differentiably, with the weights frozen), read and write named weights, and generate.
 *
 * <p>Weight names are the checkpoint's own (Hugging Face names). Writes are visible to every
 * later forward pass; callers that share the model between threads serialise writes themselves.
 */
public interface EditableModel {

    /** Returns a name for logs and the API (the directory name for a checkpoint). */
    String name();

    /** Returns the architecture facts, including the edit point of every block. */
    ModelArchitecture architecture();

    /** Returns the model's tokenizer. */
    TextTokenizer tokenizer();

    /** Returns the manager that owns the weights; new arrays for this model belong in a sub-manager of it. */
    NDManager manager();

    /** Returns a hex digest of the base weights as loaded (before any edit); stable across runs. */
    String baseHash();

    /** Runs a forward pass. The caller closes the result. */
    ForwardResult forward(ForwardRequest request);

    /**
     * Returns the logits [B, T, V] that the model's final norm and output head give for the residual stream
     * {@code hidden} [B, T, d] leaving some block: what the model would predict if its blocks ended there
     * (MEMIT reads its target loss this way at {@code v_loss_layer}). Differentiable while gradients are
     * recorded; the result belongs to {@code hidden}'s manager.
     *
     * @throws UnsupportedOperationException when the model does not expose its head
     */
    default NDArray logits(NDArray hidden) {
        throw new UnsupportedOperationException("model " + name() + " does not expose its output head");
    }

    /** Returns the names of all weights. */
    Set<String> weightNames();

    /** Returns the named weight in its stored layout; the array is the live weight, do not close or modify it. */
    NDArray weight(String name);

    /**
     * Returns a copy of a linear map's weight in [out, in] orientation ({@code y = W x}) whatever its
     * stored layout, in {@code into}.
     */
    NDArray linearWeight(EditPoint point, NDManager into);

    /** Replaces the values of the named weight with {@code value} (same shape, converted to the weight's dtype). */
    void setWeight(String name, NDArray value);

    /** Adds {@code delta} to the named weight; {@code delta} is in [out, in] orientation for linear maps of an edit point. */
    void addToWeight(WeightDelta delta);

    /** Produces a continuation of a prompt (with a KV cache). */
    GenerationResult generate(GenerationRequest request);
}
