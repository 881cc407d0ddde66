package dev.amend.spi.edit;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How to train a learned editor, besides its hyperparameters.
 *
 * @param seed            seed of training; null for the hyperparameters' own
 * @param maxSteps        training steps at most; null for the hyperparameters' own
 * @param maxSeconds      stop after this much wall time, keeping the best editor so far; 0 for no limit
 * @param outputDirectory where the trained editor is written
 * @param notes           entries added to the training summary saved with the editor (e.g. how the data was split)
 * @param log             receives one line per validation
 */
public record TrainingOptions(Long seed, Integer maxSteps, double maxSeconds, Path outputDirectory,
                              Map<String, Object> notes, Consumer<String> log) {
    /** Checks the fields and copies the notes, keeping their order. */
    public TrainingOptions {
        Objects.requireNonNull(outputDirectory, "outputDirectory");
        Objects.requireNonNull(log, "log");
        notes = notes == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(notes));
    }
}
