package dev.amend.spi.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;

/**
 * What a forward pass returns. All arrays belong to {@link #manager()}; closing the result frees them.
 *
 * @param logits   shape [B, T, V], or null when the pass stopped early
 * @param hidden   residual stream after the last block run, before the final norm, shape [B, T, d]
 * @param captures the requested hidden states
 * @param lengths  the real (unpadded) length of each sequence
 * @param manager  owner of the arrays
 */
public record ForwardResult(NDArray logits, NDArray hidden, Map<Capture, NDArray> captures, int[] lengths,
                            NDManager manager) implements AutoCloseable {

    /** Returns the captured state at {@code layer}/{@code site}, or throws if it was not requested. */
    public NDArray capture(int layer, Site site) {
        NDArray a = captures.get(new Capture(layer, site));
        if (a == null) {
            throw new IllegalStateException("nothing was captured at layer " + layer + " " + site);
        }
        return a;
    }

    /** Frees the arrays. */
    @Override
    public void close() {
        manager.close();
    }
}
