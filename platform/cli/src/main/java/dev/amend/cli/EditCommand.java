package dev.amend.cli;

import dev.amend.runtime.editing.Baseline;
import dev.amend.runtime.editing.EditFact;
import dev.amend.runtime.editing.EditLimits;
import dev.amend.runtime.editing.EditNotes;
import dev.amend.runtime.editing.EditSession;
import dev.amend.runtime.editing.EditTimings;
import dev.amend.runtime.editing.EditTrial;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.editing.HyperparameterFiles;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.plugins.PluginCatalog;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EvaluationCase;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amend edit}: write one fact into a model and show the answer before and after, with scores. */
@Command(name = "edit", mixinStandardHelpOptions = true,
        description = "Edit one fact and print the answers before and after, the scores and the timings.")
final class EditCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    CorpusOptions corpusOptions;

    @Mixin
    PluginOptions pluginOptions;

    @Option(names = "--method", defaultValue = "rome", description = "rome, memit, alphaedit, mend or any installed method (class path or --plugins-dir).")
    String method;

    @Option(names = "--prompt", required = true, description = "Prompt with {} for the subject, e.g. \"The capital of {} is\".")
    String prompt;

    @Option(names = "--subject", required = true, description = "The subject, e.g. France.")
    String subject;

    @Option(names = "--target", required = true, description = "The new answer, e.g. Rome.")
    String target;

    @Option(names = "--paraphrase", description = "A rephrased prompt (subject filled in) to check generalisation.")
    List<String> paraphrases = new ArrayList<>();

    @Option(names = "--hparams", paramLabel = "FILE", description = "Hyperparameters (YAML as in EasyEdit, or JSON).")
    Path hparams;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the context templates (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print one JSON object with before, after, edit_id, scores, seconds,"
            + " warnings and non_finite_steps.")
    boolean json;

    @Mixin
    DataDirOptions dataDirOptions;

    @Option(names = "--keep", description = "Keep the edit: record it in the model's ledger under --data-dir, so later"
            + " commands with the same --data-dir (generate, edit, ledger, serve) see it.")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        if (keep) {
            dataDirOptions.require("--keep");
        }
        try (PluginCatalog plugins = pluginOptions.open();
             Transformer model = PluginOptions.withKinds(plugins, modelOptions.load());
             EditLedger ledger = dataDirOptions.openOrNull(model)) {
            EditorRegistry registry = plugins.registry();
            EditorRegistry.Configured editor = registry.configure(method, model.architecture(),
                    hparams == null ? Map.of() : HyperparameterFiles.read(hparams),
                    hparams == null ? "defaults" : hparams.toString());
            List<EvaluationCase> cases = EditLimits.DEFAULTS.check(
                    List.of(new EditFact(prompt, subject, target, paraphrases, Map.of())), model, model.name());
            EditSession session = new EditSession(model, editor.editor(),
                    registry.createEvaluators(EditSession.DEFAULT_EVALUATORS));
            Baseline before = session.before(cases, List.of());
            // With a data directory the model holds the kept edits, and the editor sees them as its history.
            EditContext ctx = new EditContext(seed, new ProgressBar(json), () -> false, AmendDirs.cache(),
                    corpusOptions.resolveOrNull(model), ledger == null ? List.of() : ledger.history());
            try (EditTrial trial = session.trial(before, ctx)) {
                String id = keep ? record(trial, ledger) : editId(trial.edit());
                print(trial, id, model.name(), editor.ignored(), ledger, seconds(trial, t0));
            }
        }
        return 0;
    }

    /** Records the applied edit in the ledger (the model keeps it) and returns its id. */
    private String record(EditTrial trial, EditLedger ledger) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("seed", seed);
        extra.put("source", "amend edit");
        String id = ledger.recordApplied(trial.edit(), trial.info(extra).toMap(), trial.applied()::preEdit).id();
        trial.keep();
        return id;
    }

    private static Map<String, Object> seconds(EditTrial trial, long t0) {
        Map<String, Object> seconds = new LinkedHashMap<>();
        seconds.put("total", (System.nanoTime() - t0) / 1e9);
        seconds.put("edit", trial.secondsEdit());
        seconds.putAll(EditTimings.of(trial.edit()));
        return seconds;
    }

    private void print(EditTrial trial, String id, String modelName, List<String> ignored, EditLedger ledger,
                       Map<String, Object> seconds) {
        String filled = trial.baseline().prompts().get(0);
        String before = trial.before().get(0);
        String after = trial.after().get(0);
        Map<String, Double> scores = EditSession.byKey(trial.scores());
        EditNotes notes = EditNotes.of(trial.edit());
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("edit_id", id);
            o.put("method", method);
            o.put("prompt", filled);
            o.put("target", trial.baseline().requests().get(0).target());
            o.put("before", before);
            o.put("after", after);
            o.put("scores", scores);
            o.put("seconds", seconds);
            o.put("ignored_hparams", ignored);
            o.put("warnings", notes.warnings());
            o.put("non_finite_steps", notes.nonFiniteSteps());
            if (ledger != null) {
                o.put("kept", keep);
                o.put("kept_edits", ledger.entries().size());
                o.put("ledger", ledger.directory().toString());
            }
            System.out.println(Json.of(o));
            return;
        }
        System.out.printf("%s edit %s on %s%n", method, id, modelName);
        System.out.printf("  before: %s ->%s%n", filled, before);
        System.out.printf("  after:  %s ->%s%n", filled, after);
        scores.forEach((k, v) -> System.out.printf("  %-48s %.3f%n", k, v));
        seconds.forEach((k, v) -> System.out.printf("  seconds %-40s %.2f%n", k, (Double) v));
        notes.lines().forEach(line -> System.out.println("  " + line));
        if (!ignored.isEmpty()) {
            System.out.println("  hyperparameters not used by " + method + ": " + ignored);
        }
        if (keep) {
            System.out.printf("  kept as edit %s in %s (%d kept edit(s)); undo with: ./amend ledger rollback"
                    + " --data-dir %s %s%n", id, ledger.directory(), ledger.entries().size(),
                    dataDirOptions.dataDir, id);
        } else {
            System.out.println("  (the edit was applied for the check and rolled back; --keep --data-dir DIR"
                    + " records it in the model's ledger)");
        }
    }

    /** Returns a short id derived from the edit's content. */
    static String editId(Edit edit) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        d.update((edit.method() + edit.requests() + edit.hyperparameters() + edit.contextTemplates())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (var delta : edit.deltas()) {
            float[] v = delta.toDense();
            for (int i = 0; i < v.length; i += Math.max(1, v.length / 4096)) {
                int bits = Float.floatToIntBits(v[i]);
                d.update(new byte[] {(byte) bits, (byte) (bits >> 8), (byte) (bits >> 16), (byte) (bits >> 24)});
            }
        }
        return "e-" + HexFormat.of().formatHex(d.digest()).substring(0, 12);
    }
}
