package dev.amend.editors.memit;

import dev.amend.kit.InsertionChecks;
import dev.amend.kit.NormAnchor;
import dev.amend.kit.InsertionHyperparameters;
import dev.amend.spi.Hyperparameters;
import dev.amend.kit.TemplateGroups;
import dev.amend.spi.hparams.IgnoredKeys;
import dev.amend.spi.hparams.Published;
import dev.amend.spi.model.ModelArchitecture;
import java.util.List;

/**
 * MEMIT's hyperparameters, with EasyEdit's field names (snake_case in files).
 *
 * @param layers                      edit layers, ascending; the target is optimised after the last
 * @param factToken                   which token carries the fact: subject_last (default), subject_first, last
 * @param vNumGradSteps               Adam steps of the target optimisation
 * @param vLr                         Adam learning rate
 * @param vWeightDecay                weight decay on δ
 * @param clampNormFactor             ‖δ‖ ≤ this × ‖z₀‖
 * @param klFactor                    weight of the KL term on "{subject} is a"
 * @param mom2UpdateWeight            λ: weight of the preserved-key covariance against the new keys
 * @param mom2NSamples                texts of the statistics corpus used for C (the first ones; each its own
 *                                    sequence cut to the model's context)
 * @param contextTemplateLengthParams pairs [length in tokens, count] of context prefixes generated from MEMIT's
 *                                    starter words, one template group per pair; ignored when context_templates is
 *                                    given
 * @param rewriteModuleTmp            EasyEdit's module template; must name the MLP output projection
 * @param earlyStopLoss               stop the target optimisation below this loss
 * @param preservePromptTokens        Amend's extension (not in EasyEdit): solve also at the keys of every other
 *                                    token of each request's prompt with a zero residual, so the update leaves
 *                                    them (e.g. relation words shared by a batch) as they were; off is the method
 *                                    as published
 * @param insertionPasses             Amend's extension (not in EasyEdit): times the layer loop runs; each later pass
 *                                    inserts what is left of the residual on the model updated so far (1 as published)
 * @param vLossLayer                  the block whose output the target loss is read after (through the final norm
 *                                    and head, as the reference's compute_z; the larger of this and the last edit
 *                                    layer is used); -1 is the model's last block
 * @param klAtLastToken               Amend's extension: the KL term reads the distribution after the last token of
 *                                    "{subject} is a" instead of at the subject's last token, where the reference
 *                                    code reads it. Off as published
 * @param contextTemplates            the context templates to use instead of generated ones, in groups (the
 *                                    reference's template cache, e.g. [["{}"], ["A text. {}", ...]]); a request's key
 *                                    is the mean over the groups of each group's mean. Empty generates them
 * @param pruneRestraint               Amend's switch for PRUNE's restraint (off as published): every singular value of
 *                                     the accumulated edit of a matrix above the unedited matrix's largest grows only
 *                                     logarithmically past it ({@code dev.amend.kit.ConditionRestraint})
 * @param normAnchor                  Amend's switch after NAS's norm anchoring (0: off, as published): each solved value
 *                                    v* whose norm exceeds norm_anchor × ‖W k‖, the value at its key before the edit,
 *                                    is scaled onto that norm ({@code dev.amend.kit.NormAnchor}); 1 to 100
 */
@IgnoredKeys({"alg_name", "model_name", "device", "stats_dir", "mom2_dataset", "mom2_dtype", "layer_module_tmp",
    "mlp_module_tmp", "attn_module_tmp", "ln_f_module", "lm_head_module", "model_parallel", "fp16",
    "max_length", "layer_selection", "mom2_adjustment", "batch_size"})
public record MemitHyperparameters(
        List<Integer> layers,
        String factToken,
        int vNumGradSteps,
        double vLr,
        double vWeightDecay,
        double clampNormFactor,
        double klFactor,
        double mom2UpdateWeight,
        long mom2NSamples,
        List<List<Integer>> contextTemplateLengthParams,
        String rewriteModuleTmp,
        double earlyStopLoss,
        @Published("false") boolean preservePromptTokens,
        @Published("1") int insertionPasses,
        int vLossLayer,
        @Published("false") boolean klAtLastToken,
        List<List<String>> contextTemplates,
        @Published("false") boolean pruneRestraint,
        @Published("0") double normAnchor) implements Hyperparameters, InsertionHyperparameters {

    /** Values before any per-family profile: MEMIT's GPT-2 XL file, with its templates (10, 5). */
    public static final MemitHyperparameters BASE = new MemitHyperparameters(List.of(13, 14, 15, 16, 17),
            "subject_last", 20, 0.5, 0.5, 0.75, 0.0625, 20000, 100_000, List.of(List.of(10, 5)), "", 5e-2, false, 1,
            -1, false, List.of(), false, 0);

    @Override
    public List<String> problems(ModelArchitecture arch) {
        List<String> p = InsertionChecks.problems(arch, layers, vNumGradSteps, vLr, vWeightDecay, clampNormFactor,
                klFactor, mom2NSamples, contextTemplateLengthParams, rewriteModuleTmp);
        if (vLossLayer < -1 || vLossLayer >= arch.layers()) {
            p.add("v_loss_layer " + vLossLayer + " does not exist: the model has layers 0.." + (arch.layers() - 1)
                    + " (-1 is the last)");
        }
        if (!contextTemplates.isEmpty()) {
            p.addAll(TemplateGroups.problems(contextTemplates));
        }
        String anchor = NormAnchor.problem(normAnchor);
        if (anchor != null) {
            p.add(anchor);
        }
        if (insertionPasses < 1 || insertionPasses > 10) {
            p.add("insertion_passes must be between 1 and 10, got " + insertionPasses);
        }
        if (!(mom2UpdateWeight >= 0)) {
            p.add("mom2_update_weight must be >= 0, got " + mom2UpdateWeight);
        }
        return p;
    }
}
