package dev.amend.cli;

import dev.amend.demo.DemoModel;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.runtime.editing.Answers;
import dev.amend.runtime.editing.Baseline;
import dev.amend.runtime.editing.EditFact;
import dev.amend.runtime.editing.EditLimits;
import dev.amend.runtime.editing.EditSession;
import dev.amend.runtime.editing.EditTimings;
import dev.amend.runtime.editing.EditTrial;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.editing.HyperparameterFiles;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.io.Devices;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EvaluationCase;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code amend demo}: the main job on a fresh checkout. Loads the embedded demo model, asks it a fact,
 * rewrites the fact with ROME, shows the new answer, a held-out paraphrase and two unrelated facts,
 * then rolls the edit back.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Edit a fact of the embedded demo model with ROME, show before/after, roll back.")
final class DemoCommand implements Callable<Integer> {
    private static final String PROMPT = "The capital of {} is";
    private static final List<String[]> UNRELATED = List.of(new String[] {"The capital of {} is", "Japan"},
            new String[] {"The chemical symbol for {} is", "gold"});

    @Option(names = "--method", defaultValue = "rome", description = "Editing method (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--device", defaultValue = "${env:AMEND_DEVICE:-cpu}", description = "cpu or cuda:N.")
    String device;

    @Option(names = "--hparams", paramLabel = "FILE", description = "Hyperparameters (YAML as in EasyEdit, or JSON).")
    java.nio.file.Path hparams;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        EditorRegistry registry = EditorRegistry.classPath();
        try (Transformer model = DemoModel.load(Devices.parse(device))) {
            FactCorpus corpus = FactCorpus.load();
            System.out.printf("Amend demo: %s, a %s model with %d layers and %.1fM parameters trained here on %d facts"
                            + " (loaded in %.1f s)%n", model.name(), model.architecture().family(),
                    model.architecture().layers(), model.architecture().parameters() / 1e6, corpus.facts().size(),
                    secondsSince(t0));
            System.out.println("Installed editors: " + String.join(", ", registry.editors().keySet()));
            // a held-out template (never trained on) that the model answers right before the edit, if any
            List<String> heldout = corpus.relation("capital").heldoutTemplates();
            String paraphrase = heldout.stream()
                    .filter(t -> Answers.of(model, t.replace("{}", "France")).strip().equals("Paris"))
                    .findFirst().orElse(heldout.get(0));
            List<String> probes = List.of(paraphrase.replace("{}", "France"), UNRELATED.get(0)[0].replace("{}",
                    UNRELATED.get(0)[1]), UNRELATED.get(1)[0].replace("{}", UNRELATED.get(1)[1]));
            // ROME's defaults for this model are tuned for the CounterFact benchmark (layer 1, clamp 12), which
            // edits more facts but lets this particular edit bleed into "The capital of Japan"; the demo shows
            // the more conservative setting, and says so
            Map<String, Object> demoProfile = method.equals("rome") && hparams == null
                    ? Map.of("layers", List.of(2), "clamp_norm_factor", 4, "v_num_grad_steps", 25) : Map.of();
            EditorRegistry.Configured editor = registry.configure(method, model.architecture(),
                    hparams != null ? HyperparameterFiles.read(hparams) : demoProfile,
                    hparams != null ? hparams.toString() : "demo profile");
            List<EvaluationCase> cases = EditLimits.DEFAULTS.check(
                    List.of(new EditFact(PROMPT, "France", " Rome", List.of(), Map.of())), model, model.name());
            EditSession session = new EditSession(model, editor.editor(), List.of());
            Baseline before = session.before(cases, probes);
            System.out.println();
            System.out.println("Before the edit:");
            show(before.prompts(), before.answers(), before.probes(), before.probeAnswers(), false);
            try (EditTrial trial = session.trial(before,
                    EditContext.defaults(AmendDirs.cache(), DemoModel.statisticsCorpus()))) {
                System.out.println();
                printEdit(trial, demoProfile);
                System.out.println("After the edit:");
                show(before.prompts(), trial.after(), before.probes(), trial.probeAnswersAfter(), true);
            }
            System.out.println();
            System.out.println("Rolled back:");
            String prompt = before.prompts().get(0);
            show(prompt, Answers.of(model, prompt));
            System.out.printf("%nTotal %.1f s.%n", secondsSince(t0));
        }
        return 0;
    }

    private void printEdit(EditTrial trial, Map<String, Object> demoProfile) {
        Edit edit = trial.edit();
        var request = trial.baseline().requests().get(0);
        System.out.printf("Edit with %s%s: \"%s\" -> \"%s\" (%.1f s: statistics %.1f s%s, optimisation %.1f s,"
                        + " insertion %.2f s)%n", method, demoProfile.isEmpty() ? "" : " " + demoProfile,
                request.filledPrompt(), request.target().strip(), trial.secondsEdit(),
                EditTimings.of(edit, "statistics"),
                Boolean.TRUE.equals(edit.metadata().get("statistics_cached")) ? " cached" : "",
                EditTimings.of(edit, "optimisation"), EditTimings.of(edit, "insertion"));
    }

    /**
     * Prints the request's prompt, then the held-out paraphrase and the unrelated facts, with their answers;
     * {@code labelled} puts a line saying what they are above the paraphrase and above the unrelated facts.
     */
    private static void show(List<String> prompts, List<String> answers, List<String> probes,
                             List<String> probeAnswers, boolean labelled) {
        show(prompts.get(0), answers.get(0));
        if (labelled) {
            System.out.println("  (held-out paraphrase, never trained on)");
        }
        show(probes.get(0), probeAnswers.get(0));
        if (labelled) {
            System.out.println("  (unrelated facts)");
        }
        for (int i = 1; i < probes.size(); i++) {
            show(probes.get(i), probeAnswers.get(i));
        }
    }

    private static void show(String prompt, String answer) {
        System.out.printf("  %-44s ->%s%n", prompt, answer);
    }

    private static double secondsSince(long t) {
        return (System.nanoTime() - t) / 1e9;
    }
}
