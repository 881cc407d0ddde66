package dev.amend.editors.ultraedit;

import dev.amend.spi.Hyperparameters;
import dev.amend.spi.hparams.IgnoredKeys;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.ModelArchitecture;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * UltraEdit's hyperparameters, with the names of EasyEdit's UltraEdit files (snake_case in files).
 *
 * @param innerParams the edited weights, one MLP output projection per block (module or weight names, e.g.
 *                    {@code transformer.h.3.mlp.c_proj} or {@code model.layers[29].mlp.down_proj.weight}); empty:
 *                    the third and second blocks from the top (where the reference edits Mistral-7B, 29 and 30
 *                    of 32)
 * @param lr          the step of the pseudo value residual, {@code v = −lr ‖k̂‖² ĝ} (k̂, ĝ the normalised key and
 *                    gradient)
 * @param token       the tokens whose keys and gradients an edit uses: {@code ans} (the tokens that predict the
 *                    target) or {@code mask} (every token of prompt and target)
 * @param batchSize   requests per loss group: the edit loss is the mean NLL over the target tokens of each group
 *                    of this many requests, summed over the groups (the reference's batches inside an edit)
 */
@IgnoredKeys({"alg_name", "model_name", "model_class", "tokenizer_class", "tokenizer_name", "device", "archive",
    "alg", "dropout", "no_grad_layers", "batch_size_once", "editor_batch_size", "silent", "max_length", "half",
    "model_parallel", "results_dir", "n_edits", "name", "cache_dir", "save_checkpoint", "load_checkpoint"})
public record UltraEditHyperparameters(
        List<String> innerParams,
        double lr,
        String token,
        int batchSize) implements Hyperparameters {

    /** The published values (the reference's editor file), at the default blocks. */
    public static final UltraEditHyperparameters BASE = new UltraEditHyperparameters(List.of(), 1e-6, "ans", 10);

    private static final Pattern LAYER = Pattern.compile("(?:\\.|\\[)(\\d+)(?:\\]|\\.)");

    /** Returns the edited blocks, in the order {@code inner_params} names them (see {@link #problems}). */
    public List<Integer> layers(ModelArchitecture arch) {
        if (innerParams.isEmpty()) {
            int top = arch.layers() - 1;
            return top < 2 ? List.of(Math.max(0, top - 1)) : List.of(top - 2, top - 1);
        }
        List<Integer> out = new ArrayList<>();
        for (String name : innerParams) {
            out.add(layerOf(name, arch));
        }
        return out;
    }

    /** Returns the block whose MLP output projection {@code name} is, -1 when it is none the model has. */
    static int layerOf(String name, ModelArchitecture arch) {
        String module = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : name;
        module = module.replaceAll("\\[(\\d+)\\]", ".$1");
        for (EditPoint p : arch.editPoints()) {
            if (p.module().equals(module)) {
                return p.layer();
            }
        }
        return -1;
    }

    @Override
    public List<String> problems(ModelArchitecture arch) {
        List<String> p = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (String name : arch == null ? List.<String>of() : innerParams) {
            int layer = layerOf(name, arch);
            if (layer >= 0) {
                if (!seen.add(layer)) {
                    p.add("inner_params names " + name + " twice");
                }
                continue;
            }
            Matcher m = LAYER.matcher(name);
            int named = m.find() ? Integer.parseInt(m.group(1)) : -1;
            if (named >= arch.layers()) {
                p.add("inner_params \"" + name + "\" names layer " + named + ", which the model lacks: it has layers"
                        + " 0.." + (arch.layers() - 1));
            } else {
                p.add("inner_params \"" + name + "\" is not the MLP output projection of a block (e.g. \""
                        + arch.editPoint(Math.max(0, named)).module() + "\"); Amend's UltraEdit edits those only (the"
                        + " gate and up projections the reference edits in Llama and Qwen are not offered)");
            }
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            p.add("lr must be a finite number > 0, got " + lr);
        }
        if (!token.equals("ans") && !token.equals("mask")) {
            p.add("token must be \"ans\" (the tokens that predict the target) or \"mask\" (every token), got \""
                    + token + "\"");
        }
        if (batchSize < 1) {
            p.add("batch_size (requests per loss group) must be >= 1, got " + batchSize);
        }
        return p;
    }
}
