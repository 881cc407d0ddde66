package dev.amend.examples.rankone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amend.spi.AdapterKind;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Adapter;
import dev.amend.spi.model.AdapterModule;
import dev.amend.spi.model.ModelArchitecture;
import java.util.List;
import java.util.Map;

/**
 * The {@value #KIND} adapter kind (listed in META-INF/services/dev.amend.spi.AdapterKind): the example editor's
 * rank-one update r kᵀ/(kᵀk) kept beside the weight instead of added to it. Its module adds (k̂ · x) r to the MLP
 * output for every key x, with k̂ = k/(kᵀk): exactly what the weight delta adds, so {@code as_adapter} changes where
 * the edit lives, not what it does. The adapters of a block are summed.
 */
public final class RankOneKind implements AdapterKind {
    /** The kind name the example editor's adapters carry. */
    public static final String KIND = "example-rank-one";
    /** State key of r = v* − W k, [d]. */
    static final String RESIDUAL = "residual";
    /** State key of k̂ = k/(kᵀk), [d_ff]. */
    static final String SCALED_KEY = "scaled_key";

    /** Returns the adapter adding {@code residual} scaled by (k̂ · x) at {@code layer}. */
    static Adapter adapter(int layer, float[] residual, float[] scaledKey) {
        return Adapter.of(KIND, layer, Map.of(RESIDUAL, residual, SCALED_KEY, scaledKey));
    }

    /** Returns {@value #KIND}. */
    @Override
    public String kind() {
        return KIND;
    }

    /** Returns the plugin's version (its jar's Implementation-Version). */
    @Override
    public String version() {
        return RankOneProvider.version(RankOneKind.class);
    }

    /** Checks that the adapter's vectors fit {@code arch} and its layer exists. */
    @Override
    public void check(Adapter a, ModelArchitecture arch) {
        int r;
        int k;
        try {
            r = a.floats(RESIDUAL).length;
            k = a.floats(SCALED_KEY).length;
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("rank-one adapter " + a.id() + " is incomplete: " + e.getMessage());
        }
        if (r != arch.hiddenSize() || k != arch.intermediateSize()) {
            throw new InvalidRequestException("rank-one adapter " + a.id() + " has a residual of " + r + " and a key of "
                    + k + " numbers; this model needs " + arch.hiddenSize() + " and " + arch.intermediateSize()
                    + ": the edit was made for another model");
        }
        if (a.layer() >= arch.layers()) {
            throw new InvalidRequestException("rank-one adapter " + a.id() + " is at layer " + a.layer()
                    + ", which the model lacks: it has layers 0.." + (arch.layers() - 1));
        }
    }

    /** Returns the module adding every adapter's (k̂ · x) r. */
    @Override
    public AdapterModule build(List<Adapter> adapters, NDManager manager) {
        int n = adapters.size();
        int d = adapters.get(0).floats(RESIDUAL).length;
        int dff = adapters.get(0).floats(SCALED_KEY).length;
        float[] residuals = new float[n * d];
        float[] keys = new float[n * dff];
        for (int i = 0; i < n; i++) {
            System.arraycopy(adapters.get(i).floats(RESIDUAL), 0, residuals, i * d, d);
            System.arraycopy(adapters.get(i).floats(SCALED_KEY), 0, keys, i * dff, dff);
        }
        NDArray r = owned(manager.create(residuals, new Shape(n, d)));          // [N, d]
        NDArray k = owned(manager.create(keys, new Shape(n, dff))).transpose(); // [d_ff, N]
        return (key, value) -> value.add(key.matMul(k).matMul(r));               // [B, T, d]
    }

    /** Returns a copy of {@code fromJava} in memory PyTorch owns (its Java buffer may be freed any time). */
    private static NDArray owned(NDArray fromJava) {
        NDArray copy = fromJava.duplicate();
        fromJava.close();
        return copy;
    }
}
