package dev.amend.spi.edit;

import java.util.List;
import java.util.Map;

/**
 * What training a learned editor produced.
 *
 * @param losses         training loss per step
 * @param steps          steps run
 * @param bestStep       the step of the editor kept (the best by validation loss)
 * @param seconds        wall time
 * @param stopReason     why training stopped
 * @param bestValidation the kept editor's validation scores by name (e.g. {@code loss}, {@code edit_accuracy});
 *                       empty when it was never validated
 */
public record TrainingReport(List<Double> losses, int steps, int bestStep, double seconds, String stopReason,
                             Map<String, Double> bestValidation) {
    /** Copies the collections. */
    public TrainingReport {
        losses = List.copyOf(losses);
        bestValidation = Map.copyOf(bestValidation);
    }
}
