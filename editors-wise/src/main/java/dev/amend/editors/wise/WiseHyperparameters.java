package dev.amend.editors.wise;

import dev.amend.kit.InnerParams;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.hparams.IgnoredKeys;
import dev.amend.spi.model.ModelArchitecture;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * WISE's hyperparameters, with the names of EasyEdit's files (snake_case in files).
 *
 * @param innerParams           one weight of the block whose MLP output projection the side memory copies, e.g.
 *                              {@code model.layers[27].mlp.down_proj.weight} (for GPT-2 files naming
 *                              {@code mlp.c_fc}, the same block's {@code c_proj})
 * @param editLr                learning rate of the plain gradient descent on the side memory
 * @param nIter                 most descent steps per edit
 * @param objectiveOptimization {@code only_label}: the edit loss is the target's NLL after the prompt
 * @param maskRatio             share of the side memory's entries a shard trains (its random gradient mask)
 * @param alpha                 margin: unrelated tokens' activation scores should stay below it
 * @param beta                  margin: the edit's tokens' scores should rise above it
 * @param gamma                 margin: the edit's scores should exceed the unrelated ones by it
 * @param actMargin             EasyEdit's files write the three margins as {@code act_margin: [alpha, beta, gamma]};
 *                              when given it takes their place
 * @param actRatio              the routing threshold is this times the smallest score an edit's tokens reached
 * @param saveFreq              edits per shard (each shard has its own mask)
 * @param mergeFreq             edits between merges of the finished shards into the side memory (a multiple of
 *                              {@code save_freq})
 * @param mergeAlg              {@code ties} (published), {@code magnitude_norm}, {@code magnitude} or {@code sign}
 * @param densities             share of each shard's entries, by magnitude, the merge keeps
 * @param weights               the shards' total weight in a merge
 * @param normConstraint        each entry of the side memory stays within this of the main memory's
 * @param retrieve              keep each merge group as its own memory and route to the most active one
 *                              (WISE-Retrieve) instead of merging them all into one
 * @param replay                the replay of earlier edits' inputs (WISE-Retrieve's appendix): not offered
 */
@IgnoredKeys({"alg_name", "model_name", "device", "batch_size", "max_length", "model_parallel", "use_chat_template",
    "save_path", "load_path", "sequential_edit"})
public record WiseHyperparameters(
        List<String> innerParams,
        double editLr,
        int nIter,
        String objectiveOptimization,
        double maskRatio,
        double alpha,
        double beta,
        double gamma,
        List<Double> actMargin,
        double actRatio,
        int saveFreq,
        int mergeFreq,
        String mergeAlg,
        double densities,
        double weights,
        double normConstraint,
        boolean retrieve,
        boolean replay) implements Hyperparameters {

    /** The published values (EasyEdit's llama-7b file), WISE-Merge (retrieve off), at about 27/32 of the depth. */
    public static final WiseHyperparameters BASE = new WiseHyperparameters(List.of(), 1.0, 70, "only_label", 0.2,
            5.0, 20.0, 10.0, List.of(), 0.88, 500, 1000, "ties", 0.53, 1.0, 1.0, false, false);

    /** The merge algorithms offered (all of EasyEdit's deterministic ones). */
    static final Set<String> MERGE_ALGORITHMS = Set.of("ties", "magnitude_norm", "magnitude", "sign");


    /** Returns the block of the side memory: the layer {@code inner_params} names, or 27/32 of the depth. */
    public int layer(ModelArchitecture arch) {
        return InnerParams.layer(innerParams, arch.layers() * 27 / 32);
    }

    /** Returns the margins alpha, beta, gamma ({@code act_margin} where given). */
    public double[] margins() {
        return actMargin.size() == 3 ? new double[] {actMargin.get(0), actMargin.get(1), actMargin.get(2)}
                : new double[] {alpha, beta, gamma};
    }

    @Override
    public List<String> problems(ModelArchitecture arch) {
        List<String> p = new ArrayList<>();
        checkInnerParams(p, arch);
        if (!(editLr > 0) || editLr > 100) {
            p.add("edit_lr must be in (0, 100], got " + editLr);
        }
        if (nIter < 1 || nIter > 10_000) {
            p.add("n_iter must be in 1..10000, got " + nIter);
        }
        if (!(maskRatio > 0) || maskRatio > 1) {
            p.add("mask_ratio must be in (0, 1], got " + maskRatio);
        }
        if (!actMargin.isEmpty() && actMargin.size() != 3) {
            p.add("act_margin must list three margins [alpha, beta, gamma], got " + actMargin);
        }
        for (double m : margins()) {
            if (!(m >= 0) || Double.isInfinite(m)) {
                p.add("the margins alpha, beta, gamma must be finite and >= 0, got " + List.of(margins()[0],
                        margins()[1], margins()[2]));
                break;
            }
        }
        if (!(actRatio > 0) || actRatio > 1) {
            p.add("act_ratio must be in (0, 1], got " + actRatio);
        }
        if (saveFreq < 1) {
            p.add("save_freq must be >= 1, got " + saveFreq);
        } else if (mergeFreq < 1 || mergeFreq % saveFreq != 0) {
            p.add("merge_freq must be a positive multiple of save_freq (" + saveFreq + "), got " + mergeFreq);
        }
        if (!MERGE_ALGORITHMS.contains(mergeAlg)) {
            p.add("merge_alg must be one of " + new TreeSet<>(MERGE_ALGORITHMS) + ", got \"" + mergeAlg
                    + "\" (dare_ties and dare_linear sparsify at random, which a replayed ledger could not repeat;"
                    + " slerp and linear merge only two memories)");
        }
        if (!(densities > 0) || densities > 1) {
            p.add("densities must be in (0, 1], got " + densities);
        }
        if (!(weights > 0) || Double.isInfinite(weights)) {
            p.add("weights must be finite and > 0, got " + weights);
        }
        if (!(normConstraint > 0) || Double.isInfinite(normConstraint)) {
            p.add("norm_constraint must be finite and > 0, got " + normConstraint);
        }
        if (!"only_label".equals(objectiveOptimization)) {
            p.add("objective_optimization must be \"only_label\" (the target's NLL after the prompt), got \""
                    + objectiveOptimization + "\"");
        }
        if (replay) {
            p.add("replay (training against replayed earlier edits) is not offered: set replay to false");
        }
        return p;
    }

    private void checkInnerParams(List<String> p, ModelArchitecture arch) {
        InnerParams.check(p, innerParams, layer(arch), arch, "WISE keeps its side memory at one layer",
                arch.editPoint(0).weight());
    }
}
