package dev.amend.kit;

import dev.amend.spi.model.ModelArchitecture;
import java.util.ArrayList;
import java.util.List;

/** The hyperparameter checks ROME, MEMIT and AlphaEdit share, with messages that say what to fix. */
public final class InsertionChecks {
    private InsertionChecks() {
    }

    /** Returns the problems of the shared locate-then-edit hyperparameters for {@code arch} (a mutable list). */
    public static List<String> problems(ModelArchitecture arch, List<Integer> layers, int steps, double lr,
                                        double weightDecay, double clampNormFactor, double klFactor, long samples,
                                        List<List<Integer>> templateParams, String rewriteModuleTmp) {
        List<String> p = new ArrayList<>();
        if (layers.isEmpty()) {
            p.add("\"layers\" is empty: give the layer(s) to edit");
        }
        for (int i = 0; i < layers.size(); i++) {
            int l = layers.get(i);
            if (l < 0 || l >= arch.layers()) {
                p.add("layer " + l + " does not exist: the model has layers 0.." + (arch.layers() - 1));
            }
            if (i > 0 && l <= layers.get(i - 1)) {
                p.add("\"layers\" must be ascending and distinct, got " + layers);
            }
        }
        if (steps < 1 || steps > 1000) {
            p.add("v_num_grad_steps must be in 1..1000, got " + steps);
        }
        if (!(lr > 0) || lr > 100) {
            p.add("v_lr must be in (0, 100], got " + lr);
        }
        if (weightDecay < 0 || klFactor < 0) {
            p.add("v_weight_decay and kl_factor must be >= 0");
        }
        if (!(clampNormFactor > 0)) {
            p.add("clamp_norm_factor must be > 0, got " + clampNormFactor);
        }
        if (samples < 1) {
            p.add("mom2_n_samples must be at least 1 text, got " + samples);
        }
        for (List<Integer> lp : templateParams) {
            if (lp.size() != 2 || lp.get(0) < 1 || lp.get(1) < 0 || lp.get(0) > 64) {
                p.add("context_template_length_params entries are [length 1..64, count >= 0], got " + lp);
            }
        }
        if (!rewriteModuleTmp.isEmpty()) {
            String expected = arch.editPoint(0).module().replace(".0.", ".{}.");
            if (!rewriteModuleTmp.equals(expected)) {
                p.add("rewrite_module_tmp \"" + rewriteModuleTmp + "\" is not this model's MLP output projection \""
                        + expected + "\": Amend edits that module");
            }
        }
        return p;
    }
}
