package dev.amend.kit;

import dev.amend.kit.linalg.Vectors;
import dev.amend.spi.Locator;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.Site;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Norm anchoring of solved values, the switch {@code norm_anchor} of ROME, MEMIT and AlphaEdit (off as published),
 * after Norm-Anchor Scaling (NAS; Liu, Zhu, Miao, Fujisawa, "Norm Anchors Make Model Edits Last", 2026). In sequential
 * editing the solved values v* and the edited weights amplify each other's norms; NAS breaks the loop by rescaling
 * each v* before it is inserted. Amend anchors v* at the value v₀ = W k the edited MLP gives at the edited key before
 * the edit: with ratio ρ, a v* = v₀ + δ whose norm exceeds ρ‖v₀‖ is scaled onto that norm (its direction kept), one
 * within the bound is left as it is. (The paper's code scales every v* to one reference norm instead, the trimmed mean
 * of ‖v*‖ over a thousand edits solved on the unedited model; docs/methods.md says how the two differ.)
 */
public final class NormAnchor {
    /** The largest ratio accepted. */
    public static final double MAX_RATIO = 100;

    private NormAnchor() {
    }

    /**
     * What anchoring did to one value.
     *
     * @param delta       the increment to insert, v*' − v₀
     * @param ratioBefore ‖v*‖ / ‖v₀‖ as solved
     * @param scale       the factor v* was scaled by (1 when it was within the bound)
     */
    public record Anchored(double[] delta, double ratioBefore, double scale) {
        /** Returns the record of this anchoring for the edit's metadata. */
        public Map<String, Object> record() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("value_norm_ratio", ratioBefore);
            m.put("scale", scale);
            return m;
        }
    }

    /** Returns what is wrong with {@code ratio} as {@code norm_anchor}, or null: 0 (off) or a number in [1, 100]. */
    public static String problem(double ratio) {
        if (ratio == 0 || (ratio >= 1 && ratio <= MAX_RATIO)) {
            return null;
        }
        return "norm_anchor must be 0 (off) or a ratio between 1 and " + (int) MAX_RATIO + " bounding ‖v*‖ by"
                + " norm_anchor × ‖W k‖ (e.g. 2), got " + ratio;
    }

    /**
     * Returns δ' = v*' − v₀, where v*' is v* = v₀ + δ scaled onto the norm {@code ratio}·‖v₀‖ when it is larger (a
     * v₀ of norm 0 leaves δ as it is).
     */
    public static Anchored restrain(double[] delta, double[] v0, double ratio) {
        double[] vStar = new double[delta.length];
        for (int i = 0; i < vStar.length; i++) {
            vStar[i] = v0[i] + delta[i];
        }
        double anchor = Vectors.norm(v0);
        double norm = Vectors.norm(vStar);
        double ratioBefore = anchor > 0 ? norm / anchor : Double.POSITIVE_INFINITY;
        if (anchor == 0 || norm <= ratio * anchor) {
            return new Anchored(delta.clone(), ratioBefore, 1);
        }
        double scale = ratio * anchor / norm;
        double[] out = new double[delta.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = vStar[i] * scale - v0[i];
        }
        return new Anchored(out, ratioBefore, scale);
    }

    /**
     * Returns the target of {@code outcome} (solved for {@code request} at {@code site} of block {@code layer}) with
     * the value anchored at ratio {@code ratio} (0: the target as solved), adding the anchoring's record to
     * {@code records}. The value is the MLP output of block {@code layer} at the located token of the bare prompt:
     * the site's own value when {@code site} is the MLP output, else read from the model as it is; a target after
     * the block moves by what the anchoring takes off the value.
     */
    public static double[] target(EditableModel model, EditRequest request, Locator locator, int layer, Site site,
                                  DeltaOptimizer.Outcome outcome, double ratio, List<Map<String, Object>> records) {
        if (ratio == 0) {
            return outcome.target();
        }
        double[] v0 = site == Site.MLP_OUTPUT ? outcome.initial()
                : KeyCollector.collect(model, layer, List.of(request), List.of("{}"), locator, layer, Site.MLP_OUTPUT)
                .values()[0][0];
        Anchored a = restrain(outcome.delta(), v0, ratio);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("subject", request.subject());
        r.putAll(a.record());
        records.add(r);
        double[] t = outcome.initial().clone();
        for (int i = 0; i < t.length; i++) {
            t[i] += a.delta()[i];
        }
        return t;
    }

    /** Returns the metadata entry of the switch: false when off, else the ratio and each value's record. */
    public static Object describe(double ratio, List<Map<String, Object>> records) {
        if (ratio == 0) {
            return false;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ratio", ratio);
        m.put("values", records);
        return m;
    }
}
