package dev.amend.editors.mend;

import dev.amend.spi.Hyperparameters;
import dev.amend.spi.hparams.IgnoredKeys;
import dev.amend.spi.hparams.LocalPath;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.ModelArchitecture;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * MEND's hyperparameters with EasyEdit's field names (snake_case in files). The editing fields say which
 * trained editor to use; the others configure training ({@code ./amend train-mend}).
 *
 * @param innerParams       the weights MEND edits (checkpoint names of MLP output projections); empty means
 *                          the last three layers' (EasyEdit's {@code inner_params})
 * @param editorPath        directory or {@code .safetensors} file of a trained editor; empty uses the shipped
 *                          one when the model is the demo model (a host takes it only under its editors directory)
 * @param archive           EasyEdit's name for the same thing (used when {@code editor_path} is empty)
 * @param lr                Adam learning rate of the gradient transforms
 * @param editLr            initial per-weight edit learning rate
 * @param lrLr              Adam learning rate of the edit learning rates
 * @param cedit             weight of the edit loss (NLL of the new target after the edit)
 * @param cloc              weight of the locality loss (KL against the pre-edit distribution)
 * @param rank              rank of the low-rank MLP layers
 * @param nHidden           hidden layers of the MLP (each with a ReLU), plus one output layer
 * @param init              {@code id}: the MLP starts as the identity (the only value supported)
 * @param norm              normalise x and δ by running statistics
 * @param combine           one MLP over [x; δ] (the only value supported)
 * @param act               hidden activation ({@code relu})
 * @param mlpClass          {@code IDMLP} (the only value supported)
 * @param shared            one transform per weight shape with a mode per weight (the only value supported)
 * @param batchSize         edits per training step
 * @param maxIters          training steps at most
 * @param valInterval       steps between validations
 * @param valSteps          held-out edit examples per validation
 * @param earlyStopPatience stop when validation has not improved for this many steps
 * @param gradClip          clip the global gradient norm of the editor's parameters to this
 * @param locality          locality prompts per edit in training
 * @param seed              seed of training
 */
@IgnoredKeys({"alg_name", "alg", "model_name", "model_class", "tokenizer_class", "tokenizer_name", "device",
    "dropout", "train_base", "no_grad_layers", "hidden_dim", "one_sided", "x_only", "delta_only", "model_save_pt",
    "silent", "max_epochs", "log_interval", "eval_log_interval", "final_eval", "early_stop_key", "eval_only", "half",
    "debug", "save", "verbose", "val_batch_size", "accumulate_bs", "opt", "results_dir", "cbase", "model_parallel",
    "max_length", "descent"})
public record MendHyperparameters(
        List<String> innerParams,
        @LocalPath String editorPath,
        @LocalPath String archive,
        double lr,
        double editLr,
        double lrLr,
        double cedit,
        double cloc,
        int rank,
        int nHidden,
        String init,
        boolean norm,
        boolean combine,
        String act,
        String mlpClass,
        boolean shared,
        int batchSize,
        int maxIters,
        int valInterval,
        int valSteps,
        int earlyStopPatience,
        double gradClip,
        int locality,
        long seed) implements Hyperparameters {

    /** Layers edited when {@code inner_params} is empty: the last ones, as in EasyEdit's files. */
    public static final int DEFAULT_LAYERS = 3;

    /** Values before any per-family profile: EasyEdit's GPT-2 XL MEND file where it applies. */
    public static final MendHyperparameters BASE = new MendHyperparameters(List.of(), "", "", 1e-6, 1e-4, 1e-4, 0.1,
            1.0, 1920, 1, "id", true, true, "relu", "IDMLP", true, 1, 100_000, 1000, 500, 30_000, 100.0, 4, 42);

    /** Returns the editor's location: {@code editor_path}, else {@code archive}, else empty. */
    public String editorLocation() {
        return !editorPath.isBlank() ? editorPath : archive == null ? "" : archive;
    }

    /** Returns the edit points of the edited weights for {@code arch}. */
    public List<EditPoint> editPoints(ModelArchitecture arch) {
        List<EditPoint> out = new ArrayList<>();
        if (innerParams.isEmpty()) {
            for (int l = Math.max(0, arch.layers() - DEFAULT_LAYERS); l < arch.layers(); l++) {
                out.add(arch.editPoint(l));
            }
            return out;
        }
        for (String name : innerParams) {
            EditPoint p = pointOf(arch, name);
            if (p == null) {
                throw new dev.amend.spi.InvalidRequestException("inner_params names \"" + name + "\", which is not the"
                        + " MLP output projection of any block (e.g. \"" + arch.editPoint(arch.layers() - 1).weight()
                        + "\")");
            }
            out.add(p);
        }
        return out;
    }

    private static EditPoint pointOf(ModelArchitecture arch, String name) {
        for (EditPoint p : arch.editPoints()) {
            if (p.weight().equals(name) || p.module().equals(name)) {
                return p;
            }
        }
        return null;
    }

    @Override
    public List<String> problems(ModelArchitecture arch) {
        List<String> p = new ArrayList<>();
        if (arch != null) {
            for (String name : innerParams) {
                if (pointOf(arch, name) == null) {
                    p.add("inner_params: \"" + name + "\" is not the MLP output projection of a block of this "
                            + arch.family() + " model (MEND here edits those, e.g. \""
                            + arch.editPoint(arch.layers() - 1).weight() + "\")");
                }
            }
        }
        if (lr <= 0 || lrLr < 0 || editLr <= 0) {
            p.add("lr and edit_lr must be positive and lr_lr non-negative");
        }
        if (cedit < 0 || cloc < 0 || cedit + cloc == 0) {
            p.add("cedit and cloc must be non-negative and not both zero");
        }
        if (rank < 1 || nHidden < 0) {
            p.add("rank must be at least 1 and n_hidden non-negative");
        }
        if (!"id".equals(init)) {
            p.add("init: only \"id\" (identity-initialised MLP) is supported, not \"" + init + "\"");
        }
        if (!combine || !shared) {
            p.add("combine and shared must be true (one MLP over [x; δ] per weight shape)");
        }
        if (!"relu".equals(act.toLowerCase(Locale.ROOT))) {
            p.add("act: only relu is supported, not \"" + act + "\"");
        }
        if (!"IDMLP".equals(mlpClass)) {
            p.add("mlp_class: only IDMLP is supported, not \"" + mlpClass + "\"");
        }
        if (batchSize < 1 || maxIters < 1 || valInterval < 1 || valSteps < 1 || earlyStopPatience < 1 || locality < 0) {
            p.add("batch_size, max_iters, val_interval, val_steps and early_stop_patience must be at least 1");
        }
        if (gradClip <= 0) {
            p.add("grad_clip must be positive");
        }
        return p;
    }
}
