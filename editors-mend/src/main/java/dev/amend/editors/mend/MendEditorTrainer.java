package dev.amend.editors.mend;

import dev.amend.spi.EditorTrainer;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.TrainingExample;
import dev.amend.spi.edit.TrainingOptions;
import dev.amend.spi.edit.TrainingReport;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.EditableModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MEND's trainer behind the SPI's {@link EditorTrainer}: runs {@link MendTrainer} and writes the best editor
 * ({@value MendNetwork#WEIGHTS_FILE}, {@value MendNetwork#CONFIG_FILE}, with the options' notes in its training
 * summary) to the output directory.
 */
final class MendEditorTrainer implements EditorTrainer {
    private final MendHyperparameters h;
    private final TrainingOptions options;

    MendEditorTrainer(MendHyperparameters hyperparameters, TrainingOptions options) {
        Map<String, Object> overrides = new LinkedHashMap<>();
        if (options.seed() != null) {
            overrides.put("seed", options.seed());
        }
        if (options.maxSteps() != null) {
            overrides.put("max_iters", options.maxSteps());
        }
        this.h = HyperparameterBinder.bind(MendHyperparameters.class, hyperparameters, overrides, null,
                "training options").value();
        this.options = options;
    }

    @Override
    public long seed() {
        return h.seed();
    }

    @Override
    public int maxSteps() {
        return h.maxIters();
    }

    @Override
    public int localityPrompts() {
        return h.locality();
    }

    @Override
    public TrainingReport train(EditableModel model, List<TrainingExample> train, List<TrainingExample> validation,
                                ProgressListener progress) {
        MendTrainer.Run run = MendTrainer.train(model, h, train, validation,
                new MendTrainer.Options(options.maxSeconds(), options.log()), progress);
        Map<String, Object> summary = new LinkedHashMap<>(run.network().training());
        summary.putAll(options.notes());
        run.network().setTraining(summary);
        try {
            run.network().save(options.outputDirectory(), model.manager());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the MEND editor to " + options.outputDirectory() + ": "
                    + e.getMessage(), e);
        }
        MendTrainer.Validation best = run.validations().get(run.bestStep());
        Map<String, Double> scores = new LinkedHashMap<>();
        if (best != null) {
            best.toMap().forEach((k, v) -> scores.put(k, ((Number) v).doubleValue()));
        }
        return new TrainingReport(run.losses(), run.steps(), run.bestStep(), run.seconds(), run.stopReason(), scores);
    }
}
