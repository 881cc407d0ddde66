package dev.amend.kit;

import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * MEMIT's layer loop, shared by its two variants (targets optimised for requests, values given at chosen tokens):
 * for edit layer i of L in turn, on the model with the earlier layers already updated, read the layer's keys K and
 * what is left of the residual R at the last edit layer, spread it as R / (L − i), solve the layer's update and
 * apply it. Keys to preserve join the solve as extra columns with a zero residual (they enter only the key Gram
 * matrix). With several passes the loop runs again over all layers, each later pass inserting what is left and
 * adding to each layer's delta. The model is restored before returning.
 */
final class LayerLoop {

    /**
     * What one layer's solve reads from the model as it is now.
     *
     * @param keys       the edited keys, one d_ff vector each
     * @param residuals  per edited key, what is left to insert at the last edit layer (target − current), size d
     * @param preserved  keys whose outputs stay as they are (zero residual)
     * @param remembered the preserved keys a sequential editor keeps for later edits (a subset)
     */
    record LayerKeys(double[][] keys, double[][] residuals, double[][] preserved, double[][] remembered) {
    }

    /** Reads a layer's {@link LayerKeys} from the model as it is now. */
    @FunctionalInterface
    interface KeySource {
        /** Returns the keys and residuals of {@code layer}. */
        LayerKeys read(int layer);
    }

    /**
     * What the loop did.
     *
     * @param deltas        one per layer, in layer order
     * @param keys          per layer the edited keys [d_ff, n] of the last pass
     * @param remembered    per layer the remembered preserved keys [d_ff, m] of the last pass
     * @param residualNorms per solve, the root mean square norm of the residual before it
     * @param preserved     the number of preserved keys
     * @param residualAfter what {@code measureAfter} returned on the updated model, or NaN
     * @param solveSeconds  the time spent in the solver, all layers and passes
     */
    record Outcome(List<WeightDelta> deltas, Map<Integer, double[]> keys, Map<Integer, double[]> remembered,
                   List<Double> residualNorms, int preserved, double residualAfter, double solveSeconds) {
    }

    private LayerLoop() {
    }

    /**
     * Runs the loop over {@code layers} {@code passes} times with keys from {@code source}; {@code measureAfter}
     * (may be null) is called on the fully updated model before it is restored.
     */
    static Outcome run(EditableModel model, List<Integer> layers, int passes, EditContext ctx,
                       DistributedInsertion.LayerSolver solver, KeySource source, DoubleSupplier measureAfter) {
        int dff = model.architecture().intermediateSize();
        int d = model.architecture().hiddenSize();
        List<String> weights = layers.stream().map(l -> model.architecture().editPoint(l).weight()).toList();
        Map<Integer, WeightDelta> deltas = new LinkedHashMap<>();
        Map<Integer, double[]> keys = new LinkedHashMap<>();
        Map<Integer, double[]> remembered = new LinkedHashMap<>();
        List<Double> norms = new ArrayList<>();
        int preserved = 0;
        double after = Double.NaN;
        long solveNanos = 0;
        try (WeightSnapshot snapshot = WeightSnapshot.of(model, weights)) {
            try {
                for (int step = 0; step < passes * layers.size(); step++) {
                    ctx.checkCancelled();
                    int i = step % layers.size();
                    int layer = layers.get(i);
                    LayerKeys lk = source.read(layer);
                    norms.add(rmsNorm(lk.residuals()));
                    int n = lk.keys().length + lk.preserved().length;
                    double[] k = columns(concat(lk.keys(), lk.preserved()), dff);              // [d_ff, n]
                    double[] r = residualColumns(lk.residuals(), lk.preserved().length, layers.size() - i, d);
                    long s0 = System.nanoTime();
                    WeightDelta delta = solver.solve(layer, k, r, n)
                            .toWeightDelta(model.architecture().editPoint(layer).weight());
                    solveNanos += System.nanoTime() - s0;
                    model.addToWeight(delta);
                    deltas.merge(layer, delta, WeightDelta::plus);   // a later pass adds to the layer's delta
                    keys.put(layer, columns(lk.keys(), dff));
                    if (lk.remembered().length > 0) {
                        remembered.put(layer, columns(lk.remembered(), dff));
                    }
                    preserved = lk.preserved().length;
                    ctx.progress().progress("insertion", step + 1, passes * layers.size());
                }
                after = measureAfter == null ? Double.NaN : measureAfter.getAsDouble();
            } finally {
                snapshot.restore();
            }
        }
        return new Outcome(List.copyOf(deltas.values()), keys, remembered, norms, preserved, after, solveNanos / 1e9);
    }

    /**
     * Returns R [d, n + m]: the {@code n} residuals divided by {@code layersLeft} (MEMIT's spreading over the layers
     * still to edit), then {@code preserved} zero columns for the preserved keys.
     */
    static double[] residualColumns(double[][] residuals, int preserved, int layersLeft, int d) {
        int cols = residuals.length + preserved;
        double[] r = new double[d * cols];
        for (int j = 0; j < residuals.length; j++) {
            for (int a = 0; a < d; a++) {
                r[a * cols + j] = residuals[j][a] / layersLeft;
            }
        }
        return r;
    }

    /** Returns the vectors {@code v} (each of length {@code rows}) as the columns of a row-major [rows, v.length]. */
    static double[] columns(double[][] v, int rows) {
        double[] out = new double[rows * v.length];
        for (int a = 0; a < rows; a++) {
            for (int j = 0; j < v.length; j++) {
                out[a * v.length + j] = v[j][a];
            }
        }
        return out;
    }

    /** Returns the root mean square of the vectors' norms. */
    static double rmsNorm(double[][] vectors) {
        double sum = 0;
        for (double[] v : vectors) {
            for (double x : v) {
                sum += x * x;
            }
        }
        return Math.sqrt(sum / vectors.length);
    }

    private static double[][] concat(double[][] a, double[][] b) {
        double[][] out = new double[a.length + b.length][];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
