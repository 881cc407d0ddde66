package dev.amend.cli;

import dev.amend.bench.BenchSplit;
import dev.amend.bench.CheckpointPlot;
import dev.amend.bench.CounterFactBench;
import dev.amend.bench.LifelongBench;
import dev.amend.bench.SequentialSchedule;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.editing.HyperparameterFiles;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.plugins.PluginCatalog;
import dev.amend.spi.Editor;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EditContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code amend bench lifelong}: several methods, the same long sequence of edits, one table and one picture. */
@Command(name = "lifelong", mixinStandardHelpOptions = true,
        description = "Each method rewrites the same N facts one batch after another, keeping every earlier edit;"
                + " efficacy, generalisation, specificity (CounterFact protocol) and the untouched facts' greedy"
                + " answers at 100, 250, 500, 1000, ... edits. Writes DIR/lifelong.json, DIR/lifelong.md,"
                + " DIR/lifelong-details.json and DIR/lifelong.png.")
final class BenchLifelongCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    CorpusOptions corpusOptions;

    @Mixin
    PluginOptions pluginOptions;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--methods", required = true, split = ",", paramLabel = "M1,M2,...",
            description = "The methods to run, in order (e.g. grace,alphaedit,memit).")
    List<String> methods;

    @Option(names = "--edits", defaultValue = "1000", description = "Facts each method rewrites (default ${DEFAULT-VALUE}).")
    int edits;

    @Option(names = "--seed", defaultValue = "2", description = "Seed of the draw and of the editors (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch-size", defaultValue = "1", description = "Requests per editor call (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--split", defaultValue = "heldout", description = "Facts to draw from: all, validation,"
            + " heldout or untuned (default ${DEFAULT-VALUE}; it holds 197 subjects: more edits need --split untuned,"
            + " every fact but the validation split's, where profiles are tuned).")
    String split;

    @Option(names = "--checkpoints", split = ",", paramLabel = "N1,N2,...", description = "Numbers of edits to score"
            + " after (default 100, 250, 500, 1000, ... up to --edits, and --edits; below 100 edits a quarter, a half"
            + " and all).")
    List<Integer> checkpoints;

    @Option(names = "--untouched", defaultValue = "50", description = "Untouched facts whose greedy answers are"
            + " compared with the unedited model's at each checkpoint (default ${DEFAULT-VALUE}).")
    int untouched;

    @Option(names = "--neighbours", defaultValue = "5", description = "Neighbourhood prompts per case (default ${DEFAULT-VALUE}).")
    int neighbours;

    @Option(names = "--max-edit-seconds", defaultValue = "0", description = "Stop a method at its first checkpoint"
            + " after its editor used this many seconds (0: never; the table's note says where).")
    double maxEditSeconds;

    @Option(names = "--hparams", paramLabel = "METHOD=FILE", description = "Hyperparameters of one method (YAML as in"
            + " EasyEdit, or JSON); repeat for several.")
    Map<String, Path> hparams = new LinkedHashMap<>();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the table and the picture go.")
    Path out;

    @Option(names = "--json", description = "Print one JSON object instead of the table: the settings, each method's"
            + " lifelong.json entry with its details added, and the files written (the files are written as without).")
    boolean json;

    @Override
    public Integer call() throws IOException {
        BenchSplit pool = BenchSplit.of(split);
        for (String m : hparams.keySet()) {
            if (!methods.contains(m)) {
                throw new InvalidRequestException("--hparams names method \"" + m + "\", which --methods does not run");
            }
        }
        List<Integer> points = checkpoints == null ? SequentialSchedule.lifelong(edits) : checkpoints;
        try (PluginCatalog plugins = pluginOptions.open();
             Transformer model = PluginOptions.withKinds(plugins, modelOptions.load())) {
            EditorRegistry registry = plugins.registry();
            Map<String, Editor> editors = new LinkedHashMap<>();
            for (String m : methods) {
                Path file = hparams.get(m);
                editors.put(m, registry.configure(m, model.architecture(),
                        file == null ? Map.of() : HyperparameterFiles.read(file),
                        file == null ? "defaults" : file.toString()).editor());
            }
            EditContext ctx = new EditContext(seed, new ProgressBar(false), () -> false, AmendDirs.cache(),
                    corpusOptions.resolve(model), List.of());
            LifelongBench.Result r = LifelongBench.run(model, editors, registry.createEvaluators(List.of("counterfact")),
                    FactCorpus.load(), new LifelongBench.Settings(edits, seed, pool, batchSize, points, untouched,
                            neighbours, maxEditSeconds), ctx, System.err::println);
            write(r);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
        return 0;
    }

    private void write(LifelongBench.Result r) throws IOException {
        Files.createDirectories(out);
        List<Path> files = List.of(out.resolve("lifelong.json"), out.resolve("lifelong.md"),
                out.resolve("lifelong-details.json"), out.resolve("lifelong.png"));
        Files.writeString(files.get(0), Json.of(LifelongBench.json(r)) + "\n", StandardCharsets.UTF_8);
        String command = "./amend " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        Files.writeString(files.get(1), LifelongBench.markdown(r, command), StandardCharsets.UTF_8);
        Map<String, Object> details = new LinkedHashMap<>();
        r.reports().forEach((m, report) -> details.put(m, details(report)));
        Files.writeString(files.get(2), Json.of(details) + "\n", StandardCharsets.UTF_8);
        Map<String, List<CounterFactBench.Checkpoint>> curves = new LinkedHashMap<>();
        r.reports().forEach((m, report) -> curves.put(m, report.checkpoints()));
        CheckpointPlot.writeMethods(curves, files.get(3), "lifelong editing, seed " + seed);
        if (json) {
            System.out.println(Json.of(answer(r, files)));
            return;
        }
        System.out.print(LifelongBench.markdown(r, command));
        System.out.println("wrote " + files.get(0) + ", lifelong.md, lifelong-details.json and lifelong.png");
    }

    /**
     * Returns what {@code --json} prints: seed, facts, edits, batch_size, untouched, max_edit_seconds, each method's
     * lifelong.json entry with the fields of its details added (checkpoints merged), and the files written.
     */
    static Map<String, Object> answer(LifelongBench.Result r, List<Path> files) {
        LifelongBench.Settings s = r.settings();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("seed", s.seed());
        o.put("facts", s.split().id());
        o.put("edits", s.edits());
        o.put("batch_size", s.batchSize());
        o.put("untouched", s.untouched());
        o.put("max_edit_seconds", s.maxEditSeconds());
        Map<String, Object> methods = new LinkedHashMap<>();
        r.reports().forEach((m, report) -> {
            Map<String, Object> entry = LifelongBench.method(report);
            details(report).forEach(entry::putIfAbsent);
            List<Map<String, Object>> extra = CounterFactJson.checkpoints(report.checkpoints());
            List<Map<String, Object>> points = new ArrayList<>();
            for (int i = 0; i < extra.size(); i++) {
                Map<String, Object> p = LifelongBench.checkpoint(report.checkpoints().get(i));
                extra.get(i).forEach(p::putIfAbsent);
                points.add(p);
            }
            entry.put("checkpoints", points);
            methods.put(m, entry);
        });
        o.put("methods", methods);
        o.put("files", files.stream().map(Path::toString).toList());
        return o;
    }

    /** Returns a method's figures beyond lifelong.json: edits made, stop, timings, sizes, every checkpoint field. */
    private static Map<String, Object> details(CounterFactBench.Report report) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("edits", report.edits());
        d.put("stopped_at", report.stoppedAt());
        d.put("seconds_per_edit", report.secondsPerEdit());
        double[] bytes = LifelongBench.bytesPer100Edits(report);
        d.put("stored_bytes_per_100_edits", bytes[0]);
        d.put("adapter_bytes_per_100_edits", bytes[1]);
        d.put("timings", report.timings());
        d.put("checkpoints", CounterFactJson.checkpoints(report.checkpoints()));
        return d;
    }
}
