package dev.amend.spi.model;

import dev.amend.spi.InvalidRequestException;

/**
 * How the next token is chosen.
 *
 * @param temperature 0 for greedy (argmax, lowest id wins ties); otherwise logits are divided by it
 * @param topK        keep only the k most likely tokens before sampling; 0 keeps all
 * @param seed        seed of the random generator, so a sampled generation can be repeated
 */
public record Sampling(double temperature, int topK, long seed) {
    /** Greedy decoding. */
    public static final Sampling GREEDY = new Sampling(0, 0, 0);

    /** Checks the fields. */
    public Sampling {
        if (temperature < 0 || Double.isNaN(temperature)) {
            throw new InvalidRequestException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new InvalidRequestException("topK must be >= 0, got " + topK);
        }
    }

    /** Returns true when decoding is greedy. */
    public boolean greedy() {
        return temperature == 0;
    }
}
