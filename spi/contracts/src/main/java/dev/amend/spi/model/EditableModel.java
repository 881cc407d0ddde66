package dev.amend.spi.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Adapter;
import dev.amend.spi.edit.WeightDelta;
import java.util.List;
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

    /**
     * Checks that {@code adapter} can run in this model: its kind is installed and its state fits the architecture.
     *
     * @throws InvalidRequestException saying what is wrong (an unknown kind names the installed ones)
     */
    default void checkAdapter(Adapter adapter) {
        throw new InvalidRequestException("model " + name() + " does not run adapters (adapter kind " + adapter.kind()
                + ")");
    }

    /**
     * Adds {@code adapter} to every later forward pass (after the adapters already added), after
     * {@link #checkAdapter}.
     *
     * @throws InvalidRequestException as {@link #checkAdapter}, or when an adapter with its id is already added
     */
    default void addAdapter(Adapter adapter) {
        checkAdapter(adapter);
    }

    /** Removes the adapter with {@code adapter}'s id from later forward passes; returns false when none was added. */
    default boolean removeAdapter(Adapter adapter) {
        return false;
    }

    /**
     * Removes the adapters with the ids of {@code adapters} from later forward passes at once (the remaining ones
     * stay in their order); returns how many were added before.
     */
    default int removeAdapters(java.util.Collection<Adapter> adapters) {
        int n = 0;
        for (Adapter a : adapters) {
            n += removeAdapter(a) ? 1 : 0;
        }
        return n;
    }

    /** Returns the adapters later forward passes apply, in the order they were added. */
    default List<Adapter> adapters() {
        return List.of();
    }

    /** Produces a continuation of a prompt (with a KV cache). */
    GenerationResult generate(GenerationRequest request);
}
