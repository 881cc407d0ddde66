package dev.amend.cli;

import dev.amend.demo.FactRecall;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.demo.train.DemoTrainer;
import dev.amend.runtime.io.HfCheckpoints;
import dev.amend.runtime.model.Transformer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code amend train-demo}: train the demo model from scratch on the shipped fact corpus. */
@Command(name = "train-demo", mixinStandardHelpOptions = true,
        description = "Train the demo model on the fact corpus (about 15 minutes on 2 cores).")
final class TrainDemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "demo-model", description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--steps", description = "Optimiser steps (default: the shipped checkpoint's).")
    Integer steps;

    @Override
    public Integer call() throws Exception {
        FactCorpus corpus = FactCorpus.load();
        DemoTrainer.Options options = DemoTrainer.Options.defaults(seed);
        if (steps != null) {
            options = options.withSteps(steps);
        }
        System.err.printf("training the demo model on %d facts, %d passages (seed %d, %d steps)%n",
                corpus.facts().size(), corpus.passages().size(), seed, options.steps());
        DemoTrainer.Run run = DemoTrainer.train(corpus, options, out, new ProgressBar(false));
        try (Transformer model = HfCheckpoints.load(out)) {
            FactRecall.Result r = FactRecall.measure(model, corpus);
            System.out.printf("wrote %s in %.0f s (loss curve: %s)%n", out, run.seconds(), out.resolve("loss.png"));
            System.out.printf("train-template accuracy %.1f%%, held-out-template accuracy %.1f%% over %d facts%n",
                    100 * r.trainTemplateAccuracy(), 100 * r.heldoutTemplateAccuracy(), r.facts());
        }
        return 0;
    }
}
