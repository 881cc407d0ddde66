package dev.amend.spi.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.amend.spi.edit.Adapter;

/**
 * The adapters of one kind at one block, ready to run: built by {@link dev.amend.spi.AdapterKind#build}, applied by
 * the runtime in every forward pass (generation, evaluation and the forward passes of later edits), with or without
 * gradients, at every position of every sequence.
 */
public interface AdapterModule {

    /**
     * Returns the MLP output of the block with this module applied.
     *
     * @param key   the input of the MLP output projection, [B, T, d_ff] (float32)
     * @param value its output (bias included, after any earlier module), [B, T, d] (float32; may require gradients)
     * @return [B, T, d] on {@code value}'s device; differentiable in {@code value} where the module passes it through
     */
    NDArray apply(NDArray key, NDArray value);

    /**
     * Returns a module that applies this one's adapters and then {@code next} (of the same kind and block, already
     * checked), its arrays in {@code manager}; or null when only a rebuild from the whole list can (the default). The
     * runtime then stops using this module.
     */
    default AdapterModule extend(Adapter next, NDManager manager) {
        return null;
    }
}
