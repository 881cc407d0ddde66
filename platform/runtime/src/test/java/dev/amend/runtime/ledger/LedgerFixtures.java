package dev.amend.runtime.ledger;

import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.WeightLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** Tiny models and hand-made edits on their real weights for the ledger's tests. */
final class LedgerFixtures {
    static final long SEED = 7;

    private LedgerFixtures() {
    }

    /** Returns a fresh tiny GPT-2 (the same base weights for the same seed). */
    static Transformer gpt2(long seed) {
        return TinyModels.random(TinyModels.gpt2(), seed);
    }

    /** Returns a fresh tiny Llama. */
    static Transformer llama(long seed) {
        return TinyModels.random(TinyModels.llama(), seed);
    }

    /** Returns a rank-{@code rank} delta on the edit point of {@code layer}. */
    static WeightDelta.LowRank lowRank(EditableModel m, int layer, int rank, Random r) {
        EditPoint p = m.architecture().editPoint(layer);
        float[] u = gaussian(p.outFeatures() * rank, r, 0.05f);
        float[] v = gaussian(p.inFeatures() * rank, r, 0.05f);
        return new WeightDelta.LowRank(p.weight(), p.outFeatures(), p.inFeatures(), rank, u, v);
    }

    /** Returns a dense delta on the edit point of {@code layer}. */
    static WeightDelta.Dense dense(EditableModel m, int layer, Random r) {
        EditPoint p = m.architecture().editPoint(layer);
        return new WeightDelta.Dense(p.weight(), p.outFeatures(), p.inFeatures(),
                gaussian(p.outFeatures() * p.inFeatures(), r, 0.01f));
    }

    /** Returns a dense delta on a weight that is not an edit point (its stored [rows, cols] or [n, 1]). */
    static WeightDelta.Dense denseOn(EditableModel m, String weight, Random r) {
        long[] s = m.weight(weight).getShape().getShape();
        int rows = (int) s[0];
        int cols = s.length == 2 ? (int) s[1] : 1;
        return new WeightDelta.Dense(weight, rows, cols, gaussian(rows * cols, r, 0.01f));
    }

    /**
     * Returns four edits of {@code m}: low-rank and dense deltas, on edit points and on a weight that is not one,
     * some weights touched by several edits.
     */
    static List<Edit> mixedEdits(EditableModel m) {
        Random r = new Random(3);
        List<Edit> edits = new ArrayList<>();
        edits.add(edit("rome", List.of(lowRank(m, 1, 1, r)), 0));
        edits.add(edit("memit", List.of(dense(m, 1, r), lowRank(m, 2, 1, r)), 1));
        edits.add(edit("alphaedit", List.of(lowRank(m, 1, 1, r), denseOn(m, "transformer.ln_f.weight", r)), 2));
        edits.add(edit("rome", List.of(lowRank(m, 0, 1, r)), 3));
        return edits;
    }

    /** Returns an edit with {@code deltas} and metadata of every type the ledger must give back. */
    static Edit edit(String method, List<WeightDelta> deltas, int k) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("layers", List.of(0, 1));
        h.put("v_lr", 0.5);
        h.put("mom2_n_samples", 100_000L);
        h.put("fact_token", "subject_last");
        h.put("context_template_length_params", List.of(List.of(10, 10)));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("k", k);
        meta.put("keys", Map.of("0", gaussian(8, new Random(k), 1f)));
        meta.put("big", 1L << 40);
        meta.put("small_long", 3L);
        meta.put("ratio", 0.25f);
        meta.put("nan", Double.NaN);
        meta.put("flag", true);
        meta.put("nested", List.of(Map.of("first", 1.5, "last", 0.1)));
        meta.put("doubles", new double[] {1, 2.5, Double.POSITIVE_INFINITY});
        meta.put("ints", new int[] {1, -2});
        meta.put("longs", new long[] {Long.MAX_VALUE});
        meta.put("dollar", Map.of("$long", "not a tag"));
        meta.put("nulls", java.util.Arrays.asList("a", null));
        return new Edit(method, "1.0", List.of(EditRequest.of("The capital of {} is", "France", "Rome")), h,
                List.of("{}", "Once upon a time. {}"), deltas, meta);
    }

    /** Returns the k-th edit of the deterministic stream the crash test records (rank one, every fifth dense). */
    static Edit streamEdit(EditableModel m, int k) {
        Random r = new Random(1000 + k);
        int layer = k % m.architecture().layers();
        List<WeightDelta> deltas = new ArrayList<>();
        deltas.add(k % 5 == 4 ? dense(m, layer, r) : lowRank(m, layer, 1, r));
        if (k % 7 == 3) {
            deltas.add(denseOn(m, "transformer.ln_f.weight", r));
        }
        return edit(k % 3 == 0 ? "alphaedit" : "rome", deltas, k);
    }

    /** Returns every weight's raw bits. */
    static Map<String, int[]> bits(EditableModel m) {
        return dev.amend.runtime.ledger.WeightBits.of(m);
    }

    /** Returns the names of the weights whose bits differ (empty when equal). */
    static List<String> differing(Map<String, int[]> a, Map<String, int[]> b) {
        List<String> out = new ArrayList<>();
        for (String n : a.keySet()) {
            if (!java.util.Arrays.equals(a.get(n), b.get(n))) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * Returns the stored weights of {@code base} after adding the rank-one and dense deltas of {@code edits}
     * in order, computed in plain Java (float products and sums, the layout transposed by hand).
     */
    static Map<String, float[]> plainJava(EditableModel base, List<Edit> edits) {
        Map<String, float[]> w = new TreeMap<>();
        for (String n : base.weightNames()) {
            w.put(n, base.weight(n).toFloatArray());
        }
        forEachDelta(base, edits, (weight, index, delta) -> w.get(weight)[index] += delta);
        return w;
    }

    /** Receives one element of a delta: the weight, the index in its stored layout, and the float32 value. */
    @FunctionalInterface
    interface DeltaElement {
        /** Takes the element. */
        void accept(String weight, int index, float delta);
    }

    /**
     * Gives every element of the rank-one and dense deltas of {@code edits}, in order, to {@code sink}: the float
     * product u_i v_j or the dense value, at its index in the stored layout of {@code model}'s weight.
     */
    static void forEachDelta(EditableModel model, List<Edit> edits, DeltaElement sink) {
        Map<String, EditPoint> points = new LinkedHashMap<>();
        model.architecture().editPoints().forEach(p -> points.put(p.weight(), p));
        for (Edit e : edits) {
            for (WeightDelta d : e.deltas()) {
                boolean transposed = points.containsKey(d.weight())
                        && points.get(d.weight()).layout() == WeightLayout.IN_OUT;
                for (int i = 0; i < d.rows(); i++) {
                    for (int j = 0; j < d.cols(); j++) {
                        float v;
                        if (d instanceof WeightDelta.LowRank lr) {
                            if (lr.rank() != 1) {
                                throw new IllegalArgumentException("plain-Java reference is exact for rank one only");
                            }
                            v = lr.u()[i] * lr.v()[j];
                        } else {
                            v = ((WeightDelta.Dense) d).values()[i * d.cols() + j];
                        }
                        sink.accept(d.weight(), transposed ? j * d.rows() + i : i * d.cols() + j, v);
                    }
                }
            }
        }
    }

    /** Returns {@code w}'s raw bits. */
    static Map<String, int[]> bitsOf(Map<String, float[]> w) {
        Map<String, int[]> out = new TreeMap<>();
        w.forEach((n, f) -> {
            int[] b = new int[f.length];
            for (int i = 0; i < f.length; i++) {
                b[i] = Float.floatToRawIntBits(f[i]);
            }
            out.put(n, b);
        });
        return out;
    }

    private static float[] gaussian(int n, Random r, float scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (scale * r.nextGaussian());
        }
        return f;
    }
}
