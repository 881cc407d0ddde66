package dev.amend.editors.grace;

import dev.amend.kit.InnerParams;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.hparams.IgnoredKeys;
import dev.amend.spi.hparams.Published;
import dev.amend.spi.model.ModelArchitecture;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * GRACE's hyperparameters, with the names of EasyEdit's and the GRACE repository's files (snake_case in files).
 *
 * @param innerParams   one weight of the block whose MLP output the codebook acts on, e.g.
 *                      {@code model.layers[27].mlp.down_proj.weight}; Amend places the codebook at that block's MLP
 *                      output projection (for GPT-2 files naming {@code mlp.c_fc}, the same block's {@code c_proj})
 * @param editLr        Adam learning rate of the value training
 * @param nIter         Adam steps of the value training (the last one only measures)
 * @param eps           the deferral radius a new entry starts with (Euclidean, in key space)
 * @param distFn        the distance: {@code euc} (the only one the published code implements)
 * @param valInit       {@code cold} (a value drawn uniformly from [0, 1)) or {@code warm} (the layer's own output)
 * @param valTrain      {@code sgd}: plain training of the value (the perturbation variant is not offered)
 * @param replacement   {@code replace_last}: the output of each token whose key falls in an entry's radius is replaced
 * @param epsExpand     {@code coverage} (a same-label key just outside an entry widens its radius to reach it) or
 *                      {@code moving_average} (and moves the entry's key halfway towards it)
 * @param earlyStopLoss Amend's: stop the value training once the target NLL is below this (published: 0, never)
 */
@IgnoredKeys({"alg_name", "model_name", "device", "val_reg", "reg", "num_pert", "dropout", "batch_size",
    "max_length", "model_parallel"})
public record GraceHyperparameters(
        List<String> innerParams,
        double editLr,
        int nIter,
        double eps,
        String distFn,
        String valInit,
        String valTrain,
        String replacement,
        String epsExpand,
        @Published("0") double earlyStopLoss) implements Hyperparameters {

    /** The published values (the GRACE repository's editor file), the codebook at the second block from the top. */
    public static final GraceHyperparameters BASE = new GraceHyperparameters(List.of(), 1.0, 100, 1.0, "euc", "cold",
            "sgd", "replace_last", "coverage", 0);


    /** Returns the block the codebook acts at: the layer {@code inner_params} names, or the second from the top. */
    public int layer(ModelArchitecture arch) {
        return InnerParams.layer(innerParams, Math.max(0, arch.layers() - 2));
    }

    @Override
    public List<String> problems(ModelArchitecture arch) {
        List<String> p = new ArrayList<>();
        InnerParams.check(p, innerParams, layer(arch), arch, "GRACE edits one layer",
                arch.editPoint(0).weight().replace(".0.", "." + Math.max(0, arch.layers() - 2) + "."));
        if (!(editLr > 0) || editLr > 100) {
            p.add("edit_lr must be in (0, 100], got " + editLr);
        }
        if (nIter < 1 || nIter > 10_000) {
            p.add("n_iter must be in 1..10000, got " + nIter);
        }
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            p.add("eps must be a finite radius >= 0, got " + eps);
        }
        if (!(earlyStopLoss >= 0)) {
            p.add("early_stop_loss must be >= 0, got " + earlyStopLoss);
        }
        oneOf(p, "dist_fn", distFn, Set.of("euc"), "the published code implements the Euclidean distance only");
        oneOf(p, "val_init", valInit, Set.of("cold", "warm"), "");
        oneOf(p, "val_train", valTrain, Set.of("sgd"), "the perturbation training is not offered");
        oneOf(p, "replacement", replacement, Set.of("replace_last"),
                "Amend checks every token's key against the codebook, which is replace_last at each position");
        oneOf(p, "eps_expand", epsExpand, Set.of("coverage", "moving_average"), "");
        return p;
    }

    private static void oneOf(List<String> p, String name, String value, Set<String> allowed, String why) {
        if (!allowed.contains(value)) {
            p.add(name + " must be one of " + new java.util.TreeSet<>(allowed) + ", got \"" + value + "\""
                    + (why.isEmpty() ? "" : " (" + why + ")"));
        }
    }
}
