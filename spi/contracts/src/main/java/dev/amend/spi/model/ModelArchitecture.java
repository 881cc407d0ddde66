package dev.amend.spi.model;

import dev.amend.spi.InvalidRequestException;
import java.util.List;

/**
 * Architecture facts an editor may rely on.
 *
 * @param family           model family: {@code gpt2}, {@code llama}, {@code qwen2}, {@code mistral}
 * @param layers           number of transformer blocks
 * @param hiddenSize       residual width d
 * @param intermediateSize MLP width d_ff
 * @param vocabSize        vocabulary size
 * @param maxContext       longest sequence the model accepts, in tokens
 * @param parameters       number of parameters (tied weights counted once)
 * @param dtype            dtype of the checkpoint as loaded from disk ({@code float32}, {@code float16}, {@code bfloat16})
 * @param editPoints       the MLP output projection of every block, index = layer
 */
public record ModelArchitecture(
        String family,
        int layers,
        int hiddenSize,
        int intermediateSize,
        int vocabSize,
        int maxContext,
        long parameters,
        String dtype,
        List<EditPoint> editPoints) {

    /** Copies the list. */
    public ModelArchitecture {
        editPoints = List.copyOf(editPoints);
    }

    /** Returns the edit point of {@code layer}, or throws a clear error when the layer does not exist. */
    public EditPoint editPoint(int layer) {
        if (layer < 0 || layer >= layers) {
            throw new InvalidRequestException("layer " + layer + " is out of range: this " + family
                    + " model has layers 0.." + (layers - 1));
        }
        return editPoints.get(layer);
    }
}
