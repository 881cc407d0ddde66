package dev.amend.editors.rome;

import dev.amend.kit.InsertionChecks;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.hparams.IgnoredKeys;
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
 * @param mom2NSamples                 tokens of the statistics corpus used for C
 * @param contextTemplateLengthParams  pairs [length in tokens, count] of generated context prefixes
 * @param rewriteModuleTmp             EasyEdit's module template; must name the MLP output projection
 * @param originalRome                 use the original ROME key (plain prompt in the denominator) instead of R-ROME's
 * @param earlyStopLoss                stop the value optimisation below this loss
 * @param editAwareValues              Amend's extension (not in EasyEdit): optimise the value residual as the
 *                                     rank-one update will add it, at every token of the prompts scaled by
 *                                     uᵀk_t / uᵀk*, instead of at the subject's last token only; the update then
 *                                     inserts that residual. Off keeps ROME's optimisation.
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
        boolean originalRome,
        double earlyStopLoss,
        boolean editAwareValues) implements Hyperparameters {

    /** Values before any per-family profile: EasyEdit's GPT-2 XL file, layer 17. */
    public static final RomeHyperparameters BASE = new RomeHyperparameters(List.of(17), "subject_last", 20, 0.5, 0.5,
            4, 0.0625, true, 100_000, List.of(List.of(5, 10), List.of(10, 10)), "", false, 5e-2, false);

    @Override
    public List<String> problems(ModelArchitecture arch) {
        List<String> p = InsertionChecks.problems(arch, layers, vNumGradSteps, vLr, vWeightDecay, clampNormFactor,
                klFactor, mom2NSamples, contextTemplateLengthParams, rewriteModuleTmp);
        if (layers.size() != 1) {
            p.add("ROME edits exactly one layer; \"layers\" has " + layers.size() + " (use MEMIT for several)");
        }
        return p;
    }
}
