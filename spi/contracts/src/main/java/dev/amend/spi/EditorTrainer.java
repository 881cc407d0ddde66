package dev.amend.spi;

import dev.amend.spi.edit.TrainingExample;
import dev.amend.spi.edit.TrainingReport;
import dev.amend.spi.model.EditableModel;
import java.util.List;

/**
 * Trains a learned editor for one model on edit examples and writes it to the output directory of its
 * {@link dev.amend.spi.edit.TrainingOptions}. The model's weights do not change. Obtained from a
 * {@link TrainableEditor}.
 */
public interface EditorTrainer {

    /** Returns the seed training runs with; callers draw their examples with it too, so a run repeats exactly. */
    long seed();

    /** Returns the number of training steps at most. */
    int maxSteps();

    /** Returns the number of locality prompts each training example should carry. */
    int localityPrompts();

    /**
     * Returns what training on {@code train}, validated on {@code validation}, produced, after the trained editor
     * was written to the output directory; progress goes to {@code progress}.
     */
    TrainingReport train(EditableModel model, List<TrainingExample> train, List<TrainingExample> validation,
                         ProgressListener progress);
}
