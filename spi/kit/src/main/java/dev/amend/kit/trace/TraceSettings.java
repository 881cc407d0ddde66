package dev.amend.kit.trace;

import dev.amend.spi.InvalidRequestException;

/**
 * How a trace corrupts and restores.
 *
 * @param samples      corrupted runs the answer's probability is averaged over
 * @param noise        the noise's standard deviation as a multiple of the subject embeddings' standard deviation
 *                     (ROME: 3)
 * @param window       MLP and attention outputs are restored over this many consecutive layers around each layer
 *                     (ROME: 10); 0 picks {@link #defaultWindow(int)}
 * @param seed         seed of the noise
 * @param embeddingStd the embeddings' standard deviation the noise is scaled by, or NaN to measure it on the traced
 *                     subject's own tokens (a trace over many facts passes the value measured over all subjects)
 */
public record TraceSettings(int samples, double noise, int window, long seed, double embeddingStd) {
    /** ROME's setting: 10 samples, noise 3× the embeddings' standard deviation, seed 1, window by depth. */
    public static final TraceSettings DEFAULTS = new TraceSettings(10, 3, 0, 1, Double.NaN);

    /** Checks the fields and says what to fix. */
    public TraceSettings {
        if (samples < 1 || samples > 1000) {
            throw new InvalidRequestException("samples must be between 1 and 1000, not " + samples);
        }
        if (!(noise > 0) || noise > 1000) {
            throw new InvalidRequestException("noise must be a positive multiple of the embeddings' standard"
                    + " deviation (ROME uses 3), not " + noise);
        }
        if (window < 0) {
            throw new InvalidRequestException("window must be 0 (chosen by the model's depth) or a number of layers,"
                    + " not " + window);
        }
        if (!Double.isNaN(embeddingStd) && !(embeddingStd > 0)) {
            throw new InvalidRequestException("the embeddings' standard deviation must be positive, not "
                    + embeddingStd);
        }
    }

    /** Returns these settings with the embeddings' standard deviation fixed to {@code std}. */
    public TraceSettings withEmbeddingStd(double std) {
        return new TraceSettings(samples, noise, window, seed, std);
    }

    /** Returns the window used on a model of {@code layers} layers: the one set, or {@link #defaultWindow(int)}. */
    public int windowFor(int layers) {
        return window > 0 ? Math.min(window, layers) : defaultWindow(layers);
    }

    /**
     * Returns ROME's window of 10 layers for models of 30 layers or more, and for shallower ones the largest odd
     * number of layers not over a third of the depth (at least 1). A window stays local (10 of 6 layers would
     * restore every layer at once), and an odd one is centred on its layer: an even window of 2 restores the layer
     * and the one below it, so on a shallow model the layer below's effect would be credited to the layer above.
     */
    public static int defaultWindow(int layers) {
        if (layers >= 30) {
            return 10;
        }
        int third = Math.max(1, layers / 3);
        return third % 2 == 1 ? third : third - 1;
    }

    /** Returns the layers restored together for the window around {@code layer}: [first, end), as ROME centres it. */
    public static int[] windowAround(int layer, int window, int layers) {
        return new int[] {Math.max(0, layer - window / 2), Math.min(layers, layer + (window + 1) / 2)};
    }
}
