package dev.amend.cli;

import dev.amend.demo.corpus.EditorSplit;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.demo.train.LossCurve;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.editing.HyperparameterFiles;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.EditorTrainer;
import dev.amend.spi.edit.TrainingExample;
import dev.amend.spi.edit.TrainingOptions;
import dev.amend.spi.edit.TrainingReport;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amend train-mend}: train a MEND editor for a model on edit examples from the demo fact corpus. */
@Command(name = "train-mend", mixinStandardHelpOptions = true,
        description = "Train a MEND editor for a model (edit loss + KL locality loss, validation, early stopping);"
                + " writes mend.safetensors, mend.json and loss.png.")
final class TrainMendCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--out", defaultValue = "mend-editor", description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--hparams", paramLabel = "FILE", description = "MEND hyperparameters (EasyEdit YAML or JSON).")
    Path hparams;

    @Option(names = "--seed", description = "Seed (default: the hyperparameters' seed).")
    Long seed;

    @Option(names = "--steps", description = "Training steps at most (default: max_iters).")
    Integer steps;

    @Option(names = "--max-minutes", defaultValue = "0",
            description = "Stop after this many minutes, keeping the best editor so far (0: no limit).")
    double maxMinutes;

    @Option(names = "--examples-per-fact", defaultValue = "3",
            description = "Counterfactual targets drawn per training fact (default ${DEFAULT-VALUE}).")
    int perFact;

    @Override
    public Integer call() throws Exception {
        try (Transformer model = modelOptions.load()) {
            Map<String, Object> notes = new LinkedHashMap<>();
            notes.put("split", "demo corpus by SHA-256(subject)[0] % 10: 0 held out, 1 validation, 2-9 training");
            notes.put("examples_per_fact", perFact);
            EditorTrainer trainer = EditorRegistry.classPath().trainer("mend", model.architecture(),
                    hparams == null ? Map.of() : HyperparameterFiles.read(hparams),
                    hparams == null ? "defaults" : hparams.toString(),
                    new TrainingOptions(seed, steps, maxMinutes * 60, out, notes, line -> System.err.println("\n" + line)));
            FactCorpus corpus = FactCorpus.load();
            if (!model.name().equals("demo")) {
                System.err.println("note: the edit examples come from the demo fact corpus; " + model.name()
                        + " is trained on facts it may not know");
            }
            Random random = new Random(trainer.seed());
            List<TrainingExample> train = FactEditExamples.build(corpus, EditorSplit.TRAIN, perFact,
                    trainer.localityPrompts(), random);
            List<TrainingExample> validation = FactEditExamples.build(corpus, EditorSplit.VALIDATION, 1,
                    trainer.localityPrompts(), random);
            System.err.printf("training a MEND editor for %s: %d training and %d validation examples, %d held-out facts"
                    + " never used (seed %d, up to %d steps)%n", model.name(), train.size(), validation.size(),
                    EditorSplit.HELDOUT.facts(corpus).size(), trainer.seed(), trainer.maxSteps());
            TrainingReport run = trainer.train(model, train, validation, new ProgressBar(false));
            LossCurve.writePng(run.losses(), out.resolve("loss.png"), "MEND training loss (" + model.name() + ")");
            System.out.printf("wrote %s in %.0f s, %d steps (%s); kept step %d%n", out, run.seconds(), run.steps(),
                    run.stopReason(), run.bestStep());
            Map<String, Double> best = run.bestValidation();
            if (!best.isEmpty()) {
                System.out.printf("validation: loss %.3f, edit accuracy %.3f, rephrase accuracy %.3f, locality kept %.3f%n",
                        best.get("loss"), best.get("edit_accuracy"), best.get("rephrase_accuracy"),
                        best.get("locality_kept"));
            }
        }
        return 0;
    }
}
