package dev.amend.cli;

import dev.amend.bench.BenchSplit;
import dev.amend.bench.LongFormBench;
import dev.amend.bench.LongFormItem;
import dev.amend.bench.ShortAnswers;
import dev.amend.bench.Unedited;
import dev.amend.evaluators.longform.SentenceEmbedder;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.editing.HyperparameterFiles;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.Editor;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EditContext;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amend bench longform}: long-form editing on UnKEBench, EditEverything or MQuAKE-CF files. */
@Command(name = "longform", mixinStandardHelpOptions = true,
        description = "Edit each item of a long-form benchmark file (question → long answer) alone, generate greedily "
                + "from the question and its paraphrase, score ROUGE-1/2/L, BLEU and MiniLM semantic similarity, ask "
                + "UnKEBench's sub-questions and MQuAKE-CF's multi-hop questions (the rewrites of one MQuAKE-CF case are "
                + "applied together), roll back. Formats: UnKEBench, EditEverything, MQuAKE-CF (detected).")
final class BenchLongformCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    CorpusOptions corpusOptions;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Benchmark file (JSON array).")
    Path data;

    @Option(names = "--method", required = true,
            description = "memit, alphaedit, rome, anyedit+memit, anyedit+alphaedit, anyedit+rome, anyedit+X, ..., or "
                    + "none: the unedited model scored the same way (a benchmark row only).")
    String method;

    @Option(names = "--split", defaultValue = "all", paramLabel = "SPLIT", description = "Which items to run: all "
            + "(default), validation, heldout or untuned (all but validation), by SHA-256 of the item's id (MQuAKE-CF: the case's id) with the demo "
            + "corpus's rule (first byte %% 10: 0 = heldout, 1 = validation).")
    String split;

    @Option(names = "--limit", defaultValue = "2147483647", description = "Items to run at most (from the start; "
            + "round-robin over the categories of EditEverything).")
    int limit;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-new-tokens", defaultValue = "512", description = "Generation budget (default 512, capped "
            + "by the context).")
    int maxNewTokens;

    @Option(names = "--margin", defaultValue = "16", description = "Context tokens kept free besides question and "
            + "target (default ${DEFAULT-VALUE}).")
    int margin;

    @Option(names = "--max-target-tokens", defaultValue = "2147483647", description = "Cut targets at a word boundary "
            + "to at most N tokens to bound CPU time (cut items are counted; default: only where the context requires).")
    int maxTargetTokens;

    @Option(names = "--hparams", paramLabel = "FILE", description = "Hyperparameters (YAML or JSON); for anyedit+X "
            + "the base method's go under a nested \"base\" map.")
    Path hparams;

    @Option(names = "--out", paramLabel = "FILE", description = "Results file, JSON lines with every generation "
            + "(default ./longform-<data>-<method>.jsonl).")
    Path out;

    @Option(names = "--no-similarity", description = "Skip the MiniLM semantic similarity.")
    boolean noSimilarity;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(data)) {
            throw new InvalidRequestException("no benchmark file at " + data + ": pass --data FILE "
                    + "(e.g. ../shared/benchmarks/unke-dev.json)");
        }
        if (limit < 1) {
            throw new InvalidRequestException("--limit must be ≥ 1, got " + limit);
        }
        LongFormItem.Dataset dataset = LongFormItem.read(data);
        BenchSplit part = BenchSplit.of(split);
        List<LongFormItem> items = LongFormItem.interleaveCategories(dataset.items()).stream()
                .filter(i -> part.includes(i.splitKey())).toList();
        if (items.isEmpty()) {
            throw new InvalidRequestException(data + " has no items in the " + part.id() + " split");
        }
        EditorRegistry registry = EditorRegistry.classPath();
        String stem = data.getFileName().toString().replaceFirst("\\.json$", "");
        Path results = out != null ? out
                : Path.of("longform-" + stem + "-" + method.toLowerCase(Locale.ROOT).replace('+', '_') + ".jsonl");
        try (Transformer model = modelOptions.load()) {
            Editor editor = Unedited.is(method) ? new Unedited() : registry.configure(method, model.architecture(),
                    hparams == null ? Map.of() : HyperparameterFiles.read(hparams),
                    hparams == null ? "defaults" : hparams.toString()).editor();
            EditContext ctx = new EditContext(seed, new ProgressBar(json), () -> false, AmendDirs.cache(),
                    Unedited.is(method) ? null : corpusOptions.resolve(model), List.of());
            SentenceEmbedder embedder = noSimilarity ? null : SentenceEmbedder.shared();
            LongFormBench.Report r;
            try (BufferedWriter w = newWriter(results)) {
                r = LongFormBench.run(model, method, editor, items, ctx,
                        new LongFormBench.Options(limit, maxNewTokens, margin, 8, maxTargetTokens), embedder, item -> {
                            try {
                                w.write(Json.of(line(item)));
                                w.newLine();
                                w.flush();
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + results + ": " + e.getMessage(), e);
            }
            if (json) {
                System.out.println(Json.of(summary(r, dataset, results)));
            } else {
                print(r, dataset, results, model.name());
            }
        }
        return 0;
    }

    private static BufferedWriter newWriter(Path file) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        return Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    private static Map<String, Object> line(LongFormBench.ItemResult r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", r.item().id());
        if (r.item().category() != null) {
            o.put("category", r.item().category());
        }
        o.put("status", r.status());
        if (r.reason() != null) {
            o.put("reason", r.reason());
        }
        o.put("question", r.item().question());
        if (r.item().paraphrase() != null) {
            o.put("para_question", r.item().paraphrase());
        }
        o.put("answer", r.item().answer());
        o.put("target", r.target());
        o.put("target_tokens_kept", r.targetTokensKept());
        o.put("generation", r.generation());
        if (r.paraphraseGeneration() != null) {
            o.put("para_generation", r.paraphraseGeneration());
        }
        o.put("metrics", r.metrics());
        o.put("seconds_edit", r.secondsEdit());
        if (!r.asked().isEmpty()) {
            o.put("short_questions", r.asked());
        }
        return o;
    }

    private Map<String, Object> summary(LongFormBench.Report r, LongFormItem.Dataset dataset, Path results) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("method", method);
        o.put("format", dataset.format().name().toLowerCase(Locale.ROOT));
        o.put("split", split.toLowerCase(Locale.ROOT));
        o.put("seed", seed);
        o.put("items", r.items());
        o.put("items_skipped", r.skipped());
        o.put("items_cut", r.cut());
        o.put("target_tokens_kept", r.targetTokensKept());
        for (String k : LongFormBench.METRICS) {
            if (r.means().containsKey(k)) {
                o.put(k, r.means().get(k));
            }
        }
        for (String k : LongFormBench.METRICS) {
            if (r.means().containsKey("para_" + k)) {
                o.put("para_" + k, r.means().get("para_" + k));
            }
        }
        for (String k : ShortAnswers.METRICS) {
            if (r.means().containsKey(k)) {
                o.put(k, r.means().get(k));
            }
        }
        long subQuestions = r.results().stream().mapToLong(i -> i.asked().stream()
                .filter(a -> a.kind().equals("sub_question")).count()).sum();
        long cases = r.results().stream().filter(i -> i.metrics().containsKey("multihop_new_answer_rate")).count();
        if (subQuestions > 0) {
            o.put("sub_questions_asked", subQuestions);
        }
        if (dataset.format() == LongFormItem.Format.MQUAKE_CF) {
            o.put("multihop_cases", cases);
        }
        if (!r.perCategory().isEmpty()) {
            o.put("per_category", r.perCategory());
        }
        o.put("seconds_per_edit", r.secondsPerEdit());
        o.put("results_file", results.toAbsolutePath().toString());
        return o;
    }

    private void print(LongFormBench.Report r, LongFormItem.Dataset dataset, Path results, String modelName) {
        System.out.printf("%s on %s (%s, %s): %d items scored, %d skipped, %d with the target cut (%.0f%% of answer "
                        + "tokens kept), %.2f s per edit%n", method, data.getFileName(),
                dataset.format().name().toLowerCase(Locale.ROOT), modelName, r.items(), r.skipped(), r.cut(),
                100 * r.targetTokensKept(), r.secondsPerEdit());
        System.out.printf("%-28s %10s%n", "metric", "mean");
        r.means().forEach((k, v) -> System.out.printf("%-28s %10.4f%n", k, v));
        if (!r.perCategory().isEmpty()) {
            System.out.printf("%n%-12s %6s %14s %10s %10s %10s%n", "category", "items", "rougeL_recall", "bleu_char",
                    "bleu_word", "similarity");
            r.perCategory().forEach((cat, m) -> System.out.printf("%-12s %6.0f %14.4f %10.4f %10.4f %10s%n", cat,
                    m.get("items"), m.get("rougeL_recall"), m.get("bleu_char"), m.get("bleu_word"),
                    m.containsKey("semantic_similarity") ? String.format("%.4f", m.get("semantic_similarity")) : "-"));
        }
        System.out.println("results: " + results.toAbsolutePath());
    }
}
