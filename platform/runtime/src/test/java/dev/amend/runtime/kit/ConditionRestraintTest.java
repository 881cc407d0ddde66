package dev.amend.runtime.kit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.kit.ConditionRestraint;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditPoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** PRUNE's restraint on a tiny model: large accumulated edits shrink to F(σ), small ones stay as they are. */
class ConditionRestraintTest {

    private static WeightDelta.LowRank rankOne(EditPoint p, double scale, long seed) {
        Random r = new Random(seed);
        float[] u = new float[p.outFeatures()];
        float[] v = new float[p.inFeatures()];
        for (int i = 0; i < u.length; i++) {
            u[i] = (float) (r.nextGaussian() * scale);
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return new WeightDelta.LowRank(p.weight(), p.outFeatures(), p.inFeatures(), 1, u, v);
    }

    private static double[] dense(List<WeightDelta> deltas, int size) {
        double[] acc = new double[size];
        for (WeightDelta d : deltas) {
            float[] f = d.toDense();
            for (int i = 0; i < size; i++) {
                acc[i] += f[i];
            }
        }
        return acc;
    }

    @Test
    void theAccumulatedEditOfAMatrixKeepsItsLargeSingularValuesLogarithmic() {
        try (Transformer m = TinyModels.random(TinyModels.gpt2(), 3)) {
            EditPoint p = m.architecture().editPoint(1);
            int rows = p.outFeatures();
            int cols = p.inFeatures();
            double sigma0 = ConditionRestraint.largestSingularValue(
                    dev.amend.kit.linalg.Vectors.toDoubles(m.linearWeight(p, m.manager()).toFloatArray()), rows, cols);
            Edit earlier = new Edit("rome", "1", List.of(), Map.of(), List.of(), List.of(rankOne(p, 3, 1)), Map.of());
            earlier.applyTo(m);
            List<WeightDelta> next = List.of(rankOne(p, 3, 2));
            ConditionRestraint.Result r = ConditionRestraint.apply(m, next, List.of(earlier));
            assertEquals(2, r.deltas().size(), "the edit's delta and one correction");
            ConditionRestraint.Restrained w = r.weights().get(0);
            assertEquals(sigma0, w.baseLargest(), 1e-6 * sigma0, "σ₀ is the unedited weight's");
            assertTrue(w.largestBefore() > sigma0 && w.restrained() >= 1, w.toString());
            List<WeightDelta> all = new ArrayList<>(earlier.deltas());
            all.addAll(r.deltas());
            double after = ConditionRestraint.largestSingularValue(dense(all, rows * cols), rows, cols);
            assertEquals(ConditionRestraint.restrained(w.largestBefore(), sigma0), after, 1e-3 * after);
            assertTrue(after < w.largestBefore());
            Map<String, Object> meta = new LinkedHashMap<>();
            List<WeightDelta> small = List.of(rankOne(p, 1e-4, 3));
            assertEquals(small, ConditionRestraint.applyIf(true, m, small, List.of(), meta));
            assertEquals(0, ((Map<?, ?>) ((Map<?, ?>) meta.get("prune_restraint")).get(p.weight()))
                    .get("restrained_singular_values"));
            assertEquals(next, ConditionRestraint.applyIf(false, m, next, List.of(earlier), meta));
            assertEquals(false, meta.get("prune_restraint"));
        }
    }
}
