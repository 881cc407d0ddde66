package dev.amend.examples.rankone;

import dev.amend.kit.InsertionChecks;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.model.ModelArchitecture;
import java.util.List;

/**
 * The example editor's hyperparameters (snake_case in files: {@code layer}, {@code v_num_grad_steps}, ...).
 *
 * @param layer                       the block whose MLP output projection is edited
 * @param factToken                   which token carries the fact: subject_last (default), subject_first, last
 * @param vNumGradSteps               Adam steps of the value optimisation
 * @param vLr                         Adam learning rate
 * @param vWeightDecay                weight decay on δ
 * @param clampNormFactor             ‖δ‖ ≤ this × ‖v₀‖
 * @param klFactor                    weight of the KL term keeping "{subject} is a" stable
 * @param earlyStopLoss               stop the value optimisation below this loss
 * @param contextTemplateLengthParams pairs [length in tokens, count] of generated context prefixes (none by default:
 *                                    the bare prompt only)
 * @param asAdapter                   true: keep each update beside the weight as an {@code example-rank-one} adapter
 *                                    ({@link RankOneKind}) instead of adding it to the weight (same answers)
 */
public record RankOneHyperparameters(
        int layer,
        String factToken,
        int vNumGradSteps,
        double vLr,
        double vWeightDecay,
        double clampNormFactor,
        double klFactor,
        double earlyStopLoss,
        List<List<Integer>> contextTemplateLengthParams,
        boolean asAdapter) implements Hyperparameters {

    /** Values before any per-family profile of {@code defaults.json}. */
    public static final RankOneHyperparameters BASE = new RankOneHyperparameters(1, "subject_last", 25, 0.5, 0.5, 4,
            0.0625, 5e-2, List.of(), false);

    /** Returns the problems of these values for {@code arch} (the checks ROME, MEMIT and AlphaEdit share). */
    @Override
    public List<String> problems(ModelArchitecture arch) {
        return InsertionChecks.problems(arch, List.of(layer), vNumGradSteps, vLr, vWeightDecay, clampNormFactor,
                klFactor, 1, contextTemplateLengthParams, "");
    }
}
