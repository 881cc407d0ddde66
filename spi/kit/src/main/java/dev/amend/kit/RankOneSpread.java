package dev.amend.kit;

import dev.amend.kit.linalg.Vectors;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a rank-one update of an MLP output projection acts on given prompts. The update
 * {@code ΔW = r uᵀ / (uᵀk*)} adds {@code r · uᵀk_t / uᵀk*} to the MLP output at every token {@code t},
 * not only at the edited token ({@code k_t} is that token's MLP key, which the update does not change: the
 * keys are the inputs of the edited weight). Optimising {@code r} with these coefficients (see
 * {@link DeltaOptimizer.Problem#withSpread}) fits the value the edit will actually produce, side effects on
 * the other tokens of the prompt included, instead of a δ added at one token.
 */
public final class RankOneSpread {
    private RankOneSpread() {
    }

    /**
     * Returns per row of {@code problem} and per token the coefficient {@code uᵀk_t / uᵀk*} of the MLP keys
     * of block {@code problem.layer()}.
     *
     * @param u               the update's key direction (e.g. C⁻¹k̄), size d_ff
     * @param denominatorKey  k*, the key at which the update inserts exactly r
     */
    public static double[][] coefficients(EditableModel model, DeltaOptimizer.Problem problem, double[] u,
                                          double[] denominatorKey) {
        double den = Vectors.dot(u, denominatorKey);
        if (!(Math.abs(den) > 0) || !Double.isFinite(den)) {
            throw new ArithmeticException("the rank-one update's denominator uᵀk* is " + den);
        }
        List<int[]> tokens = new ArrayList<>();
        for (DeltaOptimizer.Row r : problem.rows()) {
            tokens.add(r.tokens());
        }
        int dff = u.length;
        double[][] out = new double[tokens.size()][];
        try (ForwardResult res = model.forward(ForwardRequest.builder(tokens).stopAfter(problem.layer())
                .capture(problem.layer(), Site.MLP_KEY).build())) {
            TokenVectors keys = TokenVectors.of(res.capture(problem.layer(), Site.MLP_KEY));   // [B, T, d_ff]
            if (keys.width() != dff) {
                throw new IllegalArgumentException("u has " + dff + " entries; the layer's keys have " + keys.width());
            }
            for (int i = 0; i < tokens.size(); i++) {
                out[i] = new double[tokens.get(i).length];
                for (int p = 0; p < out[i].length; p++) {
                    out[i][p] = keys.dot(i, p, u) / den;
                }
            }
        }
        return out;
    }
}
