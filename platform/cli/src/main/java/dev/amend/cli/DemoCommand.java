package dev.amend.cli;

import dev.amend.demo.DemoModel;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.kit.WeightSnapshot;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.io.Devices;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.GenerationRequest;
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
            String prompt = "The capital of {} is";
            // a held-out template (never trained on) that the model answers right before the edit, if any
            List<String> heldout = corpus.relation("capital").heldoutTemplates();
            String paraphrase = heldout.stream()
                    .filter(t -> answer(model, t.replace("{}", "France")).strip().equals("Paris"))
                    .findFirst().orElse(heldout.get(0));
            List<String[]> unrelated = List.of(new String[] {"The capital of {} is", "Japan"},
                    new String[] {"The chemical symbol for {} is", "gold"});
            System.out.println();
            System.out.println("Before the edit:");
            show(model, prompt, "France");
            show(model, paraphrase, "France");
            for (String[] u : unrelated) {
                show(model, u[0], u[1]);
            }

            EditRequest request = EditRequest.of(prompt, "France", " Rome");
            long e0 = System.nanoTime();
            // ROME's defaults for this model are tuned for the CounterFact benchmark (layer 1, clamp 12), which
            // edits more facts but lets this particular edit bleed into "The capital of Japan"; the demo shows
            // the more conservative setting, and says so
            Map<String, Object> demoProfile = method.equals("rome") && hparams == null
                    ? Map.of("layers", List.of(2), "clamp_norm_factor", 4, "v_num_grad_steps", 25) : Map.of();
            EditorRegistry.Configured editor = registry.configure(method, model.architecture(),
                    hparams != null ? dev.amend.runtime.editing.HyperparameterFiles.read(hparams) : demoProfile,
                    hparams != null ? hparams.toString() : "demo profile");
            Edit edit = editor.editor().computeEdit(model, List.of(request),
                    EditContext.defaults(AmendDirs.cache(), DemoModel.statisticsCorpus()));
            double editSeconds = secondsSince(e0);
            try (WeightSnapshot base = WeightSnapshot.of(model,
                    edit.deltas().stream().map(d -> d.weight()).distinct().toList())) {
                edit.applyTo(model);
                System.out.println();
                System.out.printf("Edit with %s%s: \"%s\" -> \"%s\" (%.1f s: statistics %.1f s%s, optimisation %.1f s,"
                                + " insertion %.2f s)%n", method, demoProfile.isEmpty() ? "" : " " + demoProfile,
                        request.filledPrompt(), request.target().strip(),
                        editSeconds, number(edit.metadata().get("seconds_statistics")),
                        Boolean.TRUE.equals(edit.metadata().get("statistics_cached")) ? " cached" : "",
                        number(edit.metadata().get("seconds_optimisation")),
                        number(edit.metadata().get("seconds_insertion")));
                System.out.println("After the edit:");
                show(model, prompt, "France");
                System.out.println("  (held-out paraphrase, never trained on)");
                show(model, paraphrase, "France");
                System.out.println("  (unrelated facts)");
                for (String[] u : unrelated) {
                    show(model, u[0], u[1]);
                }
                base.restore();
            }
            System.out.println();
            System.out.println("Rolled back:");
            show(model, prompt, "France");
            System.out.printf("%nTotal %.1f s.%n", secondsSince(t0));
        }
        return 0;
    }

    private static void show(Transformer model, String template, String subject) {
        String prompt = template.replace("{}", subject);
        System.out.printf("  %-44s ->%s%n", prompt, answer(model, prompt));
    }

    /** Returns the greedy continuation of {@code prompt} up to the end of its first sentence. */
    static String answer(Transformer model, String prompt) {
        String text = model.generate(GenerationRequest.greedy(model.tokenizer().encode(prompt, true), 8)).text();
        int stop = text.indexOf('.');
        return stop >= 0 ? text.substring(0, stop) : text;
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static double secondsSince(long t) {
        return (System.nanoTime() - t) / 1e9;
    }
}
