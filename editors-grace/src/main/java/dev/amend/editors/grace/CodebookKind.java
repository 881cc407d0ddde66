package dev.amend.editors.grace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.amend.spi.AdapterKind;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Adapter;
import dev.amend.spi.model.AdapterModule;
import dev.amend.spi.model.ModelArchitecture;
import java.util.List;
import java.util.Map;

/**
 * The {@value #KIND} adapter kind: one GRACE entry per adapter (key, value, radius, label). The module of a block
 * holds the {@link Codebook} its entries build and, at every position of every sequence, replaces the MLP output with
 * the nearest entry's value when the token's key lies within that entry's radius; other positions pass through
 * unchanged (and keep their gradients).
 */
public final class CodebookKind implements AdapterKind {
    /** The kind name GRACE's adapters carry. */
    public static final String KIND = "grace-codebook";

    /** Returns the adapter of one codebook entry at {@code layer}. */
    static Adapter entry(int layer, float[] key, float[] value, double radius, String label, String epsExpand) {
        return Adapter.of(KIND, layer, Map.of(Codebook.KEY, key, Codebook.VALUE, value, Codebook.RADIUS, radius,
                Codebook.LABEL, label, Codebook.EXPAND, epsExpand));
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String version() {
        return GraceProvider.VERSION;
    }

    @Override
    public void check(Adapter a, ModelArchitecture arch) {
        try {
            int keys = a.floats(Codebook.KEY).length;
            int values = a.floats(Codebook.VALUE).length;
            double radius = a.number(Codebook.RADIUS);
            a.text(Codebook.LABEL);
            if (keys != arch.intermediateSize() || values != arch.hiddenSize()) {
                throw new InvalidRequestException("GRACE entry " + a.id() + " has a key of " + keys + " and a value of "
                        + values + " numbers; this model's keys have " + arch.intermediateSize() + " and its values "
                        + arch.hiddenSize() + ": the edit was made for another model");
            }
            if (!(radius >= -1e-3) || Double.isInfinite(radius)) {
                throw new InvalidRequestException("GRACE entry " + a.id() + " has radius " + radius);
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("GRACE entry " + a.id() + " is incomplete: " + e.getMessage());
        }
        if (a.layer() >= arch.layers()) {
            throw new InvalidRequestException("GRACE entry " + a.id() + " is at layer " + a.layer()
                    + ", which the model lacks: it has layers 0.." + (arch.layers() - 1));
        }
    }

    @Override
    public AdapterModule build(List<Adapter> adapters, NDManager manager) {
        return new Module(Codebook.of(adapters), manager);
    }

    /** A codebook on the block's device: keys [N, d_ff] and radii in float64, values [N, d] in float32. */
    private static final class Module implements AdapterModule {
        private final Codebook codebook;
        private final NDArray keys;
        private final NDArray keyNorms;
        private final NDArray values;
        private final NDArray radii;

        Module(Codebook codebook, NDManager manager) {
            this.codebook = codebook;
            int n = codebook.size();
            double[] k = codebook.keyMatrix();
            this.keys = owned(manager.create(k, new Shape(n, k.length / n)));
            this.keyNorms = keys.square().sum(new int[] {1}).reshape(1, n);                 // [1, N]
            float[] v = codebook.valueMatrix();
            this.values = owned(manager.create(v, new Shape(n, v.length / n)));
            this.radii = owned(manager.create(codebook.radii()));
        }

        /** Returns a copy of {@code fromJava} in memory PyTorch owns (its Java buffer may be freed any time). */
        private static NDArray owned(NDArray fromJava) {
            NDArray copy = fromJava.duplicate();
            fromJava.close();
            return copy;
        }

        @Override
        public NDArray apply(NDArray key, NDArray value) {
            Shape shape = value.getShape();
            long rows = shape.get(0) * shape.get(1);
            NDArray q = key.stopGradient().reshape(rows, -1).toType(DataType.FLOAT64, false);   // [BT, d_ff]
            NDArray d2 = q.square().sum(new int[] {1}, true).add(keyNorms)
                    .sub(q.matMul(keys.transpose()).mul(2));                                    // [BT, N]
            NDArray nearest = d2.argMin(1);                                                      // [BT]
            NDArray distance = d2.min(new int[] {1}).maximum(0).sqrt();                          // [BT]
            NDArray inside = distance.lte(radii.get(new NDIndex("{}", nearest)));              // [BT]
            NDArray replaced = values.get(new NDIndex("{}", nearest)).reshape(shape);            // [B, T, d]
            return NDArrays.where(inside.reshape(shape.get(0), shape.get(1), 1).broadcast(shape), replaced, value);
        }

        @Override
        public AdapterModule extend(Adapter next, NDManager manager) {
            Codebook c = codebook.copy();
            c.insert(next);
            return new Module(c, manager);
        }
    }
}
