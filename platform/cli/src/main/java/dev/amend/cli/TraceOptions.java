package dev.amend.cli;

import dev.amend.kit.trace.TraceSettings;
import picocli.CommandLine.Option;

/** The options of causal tracing that {@code trace} and {@code locate-layers} share: samples, noise and window. */
final class TraceOptions {
    @Option(names = "--samples", defaultValue = "10", description = "Corrupted runs to average per prompt (default"
            + " ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--noise", defaultValue = "3", description = "Noise as a multiple of the subject embeddings'"
            + " standard deviation (default ${DEFAULT-VALUE}, as ROME).")
    double noise;

    @Option(names = "--window", defaultValue = "0", description = "MLP and attention outputs are restored over this"
            + " many layers (ROME: 10). Default: 10, or for models under 30 layers the largest odd number up to a"
            + " third of the layers.")
    int window;

    /** Returns the settings these options give, with {@code seed} and the embeddings' spread measured per trace. */
    TraceSettings settings(long seed) {
        return new TraceSettings(samples, noise, window, seed, Double.NaN);
    }

    /** Returns true when every option has its default. */
    boolean defaults() {
        TraceSettings d = TraceSettings.DEFAULTS;
        return samples == d.samples() && noise == d.noise() && window == d.window();
    }
}
