package dev.amend.editors.rome;

import dev.amend.kit.InsertionChecks;
import dev.amend.kit.NormAnchor;
import dev.amend.spi.Hyperparameters;
import dev.amend.kit.TemplateGroups;
import dev.amend.spi.hparams.IgnoredKeys;
import dev.amend.spi.hparams.Published;
import dev.amend.spi.model.ModelArchitecture;
import java.util.List;

/**
 * ROME's hyperparameters, with EasyEdit's field names (snake_case in files).
 *
 * @param layers                       the one layer to edit
 * @param factToken                    which token carries the fact: subject_last (default), subject_first, last
 * @param vNumGradSteps                Adam steps of the value optimisation
 * @param vLr                          Adam learning rate
 * @param vWeightDecay                 weight decay on δ
 * @param clampNormFactor              ‖δ‖ ≤ this × ‖v₀‖
 * @param klFactor                     weight of the KL term on "{subject} is a"
 * @param mom2Adjustment               whiten the key by the covariance (u = C⁻¹k); false uses u = k
 * @param mom2NSamples                 texts of the statistics corpus used for C (the first ones; each its own
 *                                     sequence cut to the model's context); only read when mom2_adjustment is true
 * @param contextTemplateLengthParams  pairs [length in tokens, count] of context prefixes sampled from the
 *                                     start-of-text token, as ROME's code does; ignored when context_templates is given
 * @param rewriteModuleTmp             EasyEdit's module template; must name the MLP output projection
 * @param originalRome                 use the original ROME key (the plain prompt's key in the denominator, v* − W k
 *                                     at the plain prompt) instead of R-ROME's (rebuilding-rome's random-prefix keys:
 *                                     the prefix-averaged key and value on both sides). Amend's default is R-ROME; the
 *                                     published ROME, which a reference file gets, is the original
 * @param earlyStopLoss                stop the value optimisation below this loss
 * @param editAwareValues              Amend's extension (not in EasyEdit): optimise the value residual as the
 *                                     rank-one update will add it, at every token of the prompts scaled by
 *                                     uᵀk_t / uᵀk*, instead of at the subject's last token only; the update then
 *                                     inserts that residual. Off keeps ROME's optimisation.
 * @param klAtLastToken                Amend's extension: the KL term reads the distribution after the last token of
 *                                     "{subject} is a" (the next-word distribution the paper describes) instead of at
 *                                     the subject's last token, where ROME's code reads it. Off as published
 * @param contextTemplates             the context templates to use instead of generated ones (the reference's
 *                                     template cache), each holding {} once; ROME averages them all alike. Empty
 *                                     generates them from context_template_length_params
 * @param pruneRestraint               Amend's switch for PRUNE's restraint (off as published): every singular value of
 *                                     the accumulated edit of a matrix above the unedited matrix's largest grows only
 *                                     logarithmically past it ({@code dev.amend.kit.ConditionRestraint})
 * @param normAnchor                  Amend's switch after NAS's norm anchoring (0: off, as published): each solved value
 *                                    v* whose norm exceeds norm_anchor × ‖W k‖, the value at its key before the edit,
 *                                    is scaled onto that norm ({@code dev.amend.kit.NormAnchor}); 1 to 100
 */
@IgnoredKeys({"alg_name", "model_name", "device", "stats_dir", "mom2_dataset", "mom2_dtype", "layer_module_tmp",
    "mlp_module_tmp", "attn_module_tmp", "ln_f_module", "lm_head_module", "model_parallel", "fp16", "v_loss_layer",
    "max_length"})
public record RomeHyperparameters(
        List<Integer> layers,
        String factToken,
        int vNumGradSteps,
        double vLr,
        double vWeightDecay,
        double clampNormFactor,
        double klFactor,
        boolean mom2Adjustment,
        long mom2NSamples,
        List<List<Integer>> contextTemplateLengthParams,
        String rewriteModuleTmp,
        @Published("true") boolean originalRome,
        double earlyStopLoss,
        @Published("false") boolean editAwareValues,
        @Published("false") boolean klAtLastToken,
        List<List<String>> contextTemplates,
        @Published("false") boolean pruneRestraint,
        @Published("0") double normAnchor) implements Hyperparameters {

    /** Values before any per-family profile: EasyEdit's GPT-2 XL file, layer 17, with R-ROME's key. */
    public static final RomeHyperparameters BASE = new RomeHyperparameters(List.of(17), "subject_last", 20, 0.5, 0.5,
            4, 0.0625, true, 100_000, List.of(List.of(5, 10), List.of(10, 10)), "", false, 5e-2, false, false,
            List.of(), false, 0);

    /** Returns these values with the original ROME key ({@code true}) or R-ROME's ({@code false}). */
    public RomeHyperparameters withOriginalRome(boolean original) {
        return new RomeHyperparameters(layers, factToken, vNumGradSteps, vLr, vWeightDecay, clampNormFactor, klFactor,
                mom2Adjustment, mom2NSamples, contextTemplateLengthParams, rewriteModuleTmp, original, earlyStopLoss,
                editAwareValues, klAtLastToken, contextTemplates, pruneRestraint, normAnchor);
    }

    @Override
    public List<String> problems(ModelArchitecture arch) {
        List<String> p = InsertionChecks.problems(arch, layers, vNumGradSteps, vLr, vWeightDecay, clampNormFactor,
                klFactor, mom2NSamples, contextTemplateLengthParams, rewriteModuleTmp);
        if (!contextTemplates.isEmpty()) {
            p.addAll(TemplateGroups.problems(contextTemplates));
        }
        String anchor = NormAnchor.problem(normAnchor);
        if (anchor != null) {
            p.add(anchor);
        }
        if (layers.size() != 1) {
            p.add("ROME edits exactly one layer; \"layers\" has " + layers.size() + " (use MEMIT for several)");
        }
        return p;
    }
}
