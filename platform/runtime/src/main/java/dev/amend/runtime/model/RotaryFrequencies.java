package dev.amend.runtime.model;

import dev.amend.spi.InvalidRequestException;

/** Inverse RoPE frequencies, with the scalings Hugging Face configs declare. */
final class RotaryFrequencies {
    private RotaryFrequencies() {
    }

    /** Returns {@code theta^(-2j/hd)} for j < hd/2, adjusted by {@code scaling} (null, linear or llama3). */
    static double[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        int half = headDim / 2;
        double[] inv = new double[half];
        for (int j = 0; j < half; j++) {
            inv[j] = 1.0 / Math.pow(theta, (2.0 * j) / headDim);
        }
        if (scaling == null) {
            return inv;
        }
        switch (scaling.type()) {
            case "linear" -> {
                for (int j = 0; j < half; j++) {
                    inv[j] /= scaling.factor();
                }
            }
            case "llama3" -> {
                double old = scaling.originalMaxPositions();
                double lowWavelen = old / scaling.lowFreqFactor();
                double highWavelen = old / scaling.highFreqFactor();
                for (int j = 0; j < half; j++) {
                    double wavelen = 2 * Math.PI / inv[j];
                    if (wavelen < highWavelen) {
                        continue;
                    }
                    if (wavelen > lowWavelen) {
                        inv[j] /= scaling.factor();
                    } else {
                        double smooth = (old / wavelen - scaling.lowFreqFactor())
                                / (scaling.highFreqFactor() - scaling.lowFreqFactor());
                        inv[j] = (1 - smooth) * inv[j] / scaling.factor() + smooth * inv[j];
                    }
                }
            }
            case "default" -> {
                // no scaling
            }
            default -> throw new InvalidRequestException("rope_scaling type \"" + scaling.type()
                    + "\" is not supported (supported: linear, llama3)");
        }
        return inv;
    }
}
