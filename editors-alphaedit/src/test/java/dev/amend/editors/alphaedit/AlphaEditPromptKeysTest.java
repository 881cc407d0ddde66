package dev.amend.editors.alphaedit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.demo.DemoModel;
import dev.amend.kit.Locators;
import dev.amend.kit.WeightSnapshot;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With {@code preserve_prompt_tokens}, an AlphaEdit edit records the keys at the other tokens of its prompt, and a
 * later edit that has it in its history leaves those tokens' MLP outputs far closer to where they were than one
 * that knows only the earlier edited key.
 */
class AlphaEditPromptKeysTest {
    @Test
    void laterEditsKeepTheEarlierPromptsOtherTokens() {
        try (Transformer model = DemoModel.load(Device.cpu())) {
            AlphaEditProvider p = new AlphaEditProvider();
            AlphaEditHyperparameters d = p.defaults(model.architecture());
            AlphaEditHyperparameters h = HyperparameterBinder.bind(AlphaEditHyperparameters.class, d,
                    Map.of("v_num_grad_steps", 10, "context_template_length_params", List.of(List.of(5, 2)),
                            "preserve_prompt_tokens", true, "insertion_passes", 1), model.architecture(), "test").value();
            EditContext ctx = new EditContext(3, ProgressListener.NONE, () -> false, AmendDirs.cache(),
                    DemoModel.statisticsCorpus(), List.of());
            EditRequest first = EditRequest.of("The capital of {} is", "France", " Rome");
            EditRequest second = EditRequest.of("The capital of {} is", "Japan", " Paris");
            int layer = h.layers().get(0);
            List<String> weights = h.layers().stream()
                    .map(l -> model.architecture().editPoint(l).weight()).toList();
            try (WeightSnapshot base = WeightSnapshot.of(model, weights)) {
                Edit e1 = p.create(h).computeEdit(model, List.of(first), ctx);
                @SuppressWarnings("unchecked")
                Map<String, float[]> promptKeys = (Map<String, float[]>) e1.metadata().get(AlphaEditProvider.PROMPT_KEYS);
                int dff = model.architecture().intermediateSize();
                int tokens = model.tokenizer().encode(first.filledPrompt() + first.target(), true).length;
                assertTrue(promptKeys.get(String.valueOf(layer)).length / dff >= tokens - 2,
                        "keys at the prompt's and target's other tokens: " + promptKeys.get(String.valueOf(layer)).length / dff);
                e1.applyTo(model);
                Map<String, Object> meta = new LinkedHashMap<>(e1.metadata());
                meta.remove(AlphaEditProvider.PROMPT_KEYS);
                Edit e1KeysOnly = new Edit(e1.method(), e1.methodVersion(), e1.requests(), e1.hyperparameters(),
                        e1.contextTemplates(), e1.deltas(), meta);
                double with = change(model, p.create(h).computeEdit(model, List.of(second), ctx.withHistory(List.of(e1))),
                        first, layer);
                double without = change(model, p.create(h).computeEdit(model, List.of(second),
                        ctx.withHistory(List.of(e1KeysOnly))), first, layer);
                assertTrue(with < 0.5 * without, "change at the first prompt's other tokens: " + with
                        + " with its prompt keys in the history, " + without + " without");
                base.restore();
            }
        }
    }

    /** Returns ‖Δ MLP output of {@code layer}‖ over the tokens of {@code request}'s prompt but the subject's last. */
    private static double change(Transformer model, Edit edit, EditRequest request, int layer) {
        int[] ids = model.tokenizer().encode(request.filledPrompt(), true);
        int located = Locators.locate(Locators.SUBJECT_LAST, model.tokenizer(), "", request);
        float[] before = mlp(model, ids, layer);
        float[] after;
        List<String> weights = edit.deltas().stream().map(dev.amend.spi.edit.WeightDelta::weight).toList();
        try (WeightSnapshot snap = WeightSnapshot.of(model, weights)) {
            edit.applyTo(model);
            after = mlp(model, ids, layer);
            snap.restore();
        }
        int d = model.architecture().hiddenSize();
        double sum = 0;
        for (int t = 0; t < ids.length; t++) {
            if (t == located) {
                continue;
            }
            for (int a = 0; a < d; a++) {
                double x = after[t * d + a] - before[t * d + a];
                sum += x * x;
            }
        }
        return Math.sqrt(sum);
    }

    private static float[] mlp(Transformer model, int[] ids, int layer) {
        try (ForwardResult r = model.forward(ForwardRequest.builder(List.of(ids)).stopAfter(layer)
                .capture(layer, Site.MLP_OUTPUT).build())) {
            return r.capture(layer, Site.MLP_OUTPUT).toFloatArray();
        }
    }
}
