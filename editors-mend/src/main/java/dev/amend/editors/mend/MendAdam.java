package dev.amend.editors.mend;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam on every parameter of a MEND editor (the transforms at {@code lr}, the edit learning rates at
 * {@code lr_lr}) after clipping the global gradient norm to {@code grad_clip}; a step whose gradient is not finite
 * is skipped.
 */
final class MendAdam {
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    private final MendNetwork network;
    private final MendHyperparameters h;
    private final Map<String, float[][]> moments = new LinkedHashMap<>();
    private int step;

    MendAdam(MendNetwork network, MendHyperparameters h) {
        this.network = network;
        this.h = h;
    }

    /** Updates the editor's parameters from the gradients held by {@code bound} after a backward pass. */
    void update(MendNetwork.Bound bound) {
        Map<String, float[]> params = new LinkedHashMap<>();
        Map<String, float[]> grads = new LinkedHashMap<>();
        Map<String, Double> rates = new LinkedHashMap<>();
        for (Map.Entry<String, GradientTransform.Bound> e : bound.transforms().entrySet()) {
            GradientTransform tr = network.transforms().get(e.getKey());
            for (Map.Entry<String, NDArray> a : e.getValue().arrays().entrySet()) {
                String key = e.getKey() + "/" + a.getKey();
                params.put(key, tr.parameters().get(a.getKey()));
                grads.put(key, a.getValue().getGradient().toFloatArray());
                rates.put(key, h.lr());
            }
        }
        params.put("edit_lrs", network.editLrs());
        grads.put("edit_lrs", bound.editLrs().getGradient().toFloatArray());
        rates.put("edit_lrs", h.lrLr());
        double norm2 = 0;
        for (float[] g : grads.values()) {
            for (float x : g) {
                norm2 += (double) x * x;
            }
        }
        if (!Double.isFinite(norm2)) {
            return; // skip a step with a non-finite gradient
        }
        double clip = Math.sqrt(norm2) > h.gradClip() ? h.gradClip() / Math.sqrt(norm2) : 1.0;
        step++;
        for (Map.Entry<String, float[]> e : params.entrySet()) {
            apply(e.getKey(), e.getValue(), grads.get(e.getKey()), rates.get(e.getKey()), clip);
        }
    }

    /** One Adam step of parameter {@code key} with gradient {@code g} scaled by {@code clip}. */
    private void apply(String key, float[] p, float[] g, double lr, double clip) {
        float[][] state = moments.computeIfAbsent(key, k -> new float[][] {new float[p.length], new float[p.length]});
        float[] m = state[0];
        float[] s = state[1];
        double c1 = 1 - Math.pow(BETA1, step);
        double c2 = 1 - Math.pow(BETA2, step);
        for (int i = 0; i < p.length; i++) {
            double gi = g[i] * clip;
            m[i] = (float) (BETA1 * m[i] + (1 - BETA1) * gi);
            s[i] = (float) (BETA2 * s[i] + (1 - BETA2) * gi * gi);
            p[i] -= (float) (lr * (m[i] / c1) / (Math.sqrt(s[i] / c2) + EPSILON));
        }
    }
}
