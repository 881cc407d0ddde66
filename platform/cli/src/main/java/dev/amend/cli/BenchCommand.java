package dev.amend.cli;

import ai.djl.Device;
import dev.amend.demo.FactRecall;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.demo.train.DemoTrainer;
import dev.amend.runtime.bench.ForwardBenchmark;
import dev.amend.runtime.bench.MatmulReference;
import dev.amend.runtime.io.Devices;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.model.TransformerConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code amend bench ...}: benchmarks that print figures and ratios. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {BenchCommand.Forward.class, BenchCommand.Facts.class, BenchCounterfactCommand.class,
            BenchLayersCommand.class, BenchEditingCommand.class, BenchLedgerCommand.class, BenchLifelongCommand.class,
            BenchReplicasCommand.class,
            BenchLongformCommand.class, BenchLinalgCommand.class, BenchScaleCommand.class, BenchSuiteCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code amend bench facts}: greedy recall of the demo corpus. */
    @Command(name = "facts", mixinStandardHelpOptions = true,
            description = "Greedy accuracy of a model on the demo fact corpus (train and held-out templates).")
    static final class Facts implements Callable<Integer> {
        @CommandLine.Mixin
        ModelOptions modelOptions;

        @Option(names = "--json", description = "Print one JSON object.")
        boolean json;

        @Override
        public Integer call() {
            FactCorpus corpus = FactCorpus.load();
            long t0 = System.nanoTime();
            try (Transformer m = modelOptions.load()) {
                FactRecall.Result r = FactRecall.measure(m, corpus);
                double sec = (System.nanoTime() - t0) / 1e9;
                if (json) {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("model", m.name());
                    o.put("train_template_accuracy", r.trainTemplateAccuracy());
                    o.put("heldout_template_accuracy", r.heldoutTemplateAccuracy());
                    o.put("facts", r.facts());
                    o.put("corpus_sha256", corpus.sha256());
                    o.put("seconds", sec);
                    System.out.println(Json.of(o));
                } else {
                    System.out.printf("model %s, %d facts over %d relations (%.1f s)%n", m.name(), r.facts(),
                            corpus.relations().size(), sec);
                    System.out.printf("  train templates     %6.1f%%%n", 100 * r.trainTemplateAccuracy());
                    System.out.printf("  held-out templates  %6.1f%%%n", 100 * r.heldoutTemplateAccuracy());
                }
            }
            return 0;
        }
    }

    /** {@code amend bench forward}. */
    @Command(name = "forward", mixinStandardHelpOptions = true,
            description = "Prefill and decode throughput against a fp32 matmul measured in the same run.")
    static final class Forward implements Callable<Integer> {
        @Option(names = "--tokens", defaultValue = "512", description = "Prefill length (default ${DEFAULT-VALUE}).")
        int tokens;

        @Option(names = "--decode", defaultValue = "64", description = "Greedy decode steps (default ${DEFAULT-VALUE}).")
        int decode;

        @Option(names = "--repeats", defaultValue = "3", description = "Timed prefill passes (median).")
        int repeats;

        @Option(names = "--device", defaultValue = "${env:AMEND_DEVICE:-cpu}", description = "cpu or cuda:N.")
        String device;

        @Option(names = "--json", description = "Print one JSON object.")
        boolean json;

        @Override
        public Integer call() {
            Device dev = Devices.parse(device);
            List<ForwardBenchmark.Result> results = new ArrayList<>();
            double matmul = 0;
            Map<String, TransformerConfig> models = new LinkedHashMap<>();
            models.put("gpt2-small-random", ForwardBenchmark.gpt2Small());
            models.put("demo-sized-random", demoSized());
            for (Map.Entry<String, TransformerConfig> e : models.entrySet()) {
                if (!json) {
                    System.err.println("bench forward: " + e.getKey() + " ...");
                }
                try (Transformer m = ForwardBenchmark.randomModel(e.getKey(), e.getValue(), 1, dev)) {
                    if (matmul == 0) {
                        matmul = MatmulReference.gflops(m.manager(), 1024, 7);
                    }
                    results.add(ForwardBenchmark.run(m, tokens, decode, repeats, matmul));
                }
            }
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("device", dev.toString());
                o.put("matmul_gflops", matmul);
                o.put("models", results);
                System.out.println(Json.of(o));
            } else {
                System.out.printf("fp32 matmul 1024x1024 on %s: %.1f GFLOP/s%n%n", dev, matmul);
                System.out.printf("%-20s %10s %8s %14s %10s %8s %14s%n", "model", "params", "tokens",
                        "prefill tok/s", "GFLOP/s", "ratio", "decode tok/s");
                for (ForwardBenchmark.Result r : results) {
                    System.out.printf("%-20s %9.1fM %8d %14.0f %10.1f %7.0f%% %14.1f%n", r.model(), r.parameters() / 1e6,
                            r.prefillTokens(), r.prefillTokensPerSec(), r.prefillGflops(), 100 * r.prefillRatio(),
                            r.decodeTokensPerSec());
                }
            }
            return 0;
        }

        /** Returns the shape of the embedded demo model. */
        static TransformerConfig demoSized() {
            DemoTrainer.Options o = DemoTrainer.Options.defaults(1);
            return DemoTrainer.modelConfig(o, o.vocabSize());
        }
    }
}
