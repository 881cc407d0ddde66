package dev.amend.editors.wise;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amend.spi.AdapterKind;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Adapter;
import dev.amend.spi.model.AdapterModule;
import dev.amend.spi.model.ModelArchitecture;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@value #KIND} adapter kind: one WISE edit's contribution per adapter ({@link Contribution}). The module of a
 * block holds the {@link SideMemory} the contributions build and routes every token by its activation score: for
 * each candidate memory with change ΔW the score of a token with key a is ‖ΔW a‖; when the highest score reaches its
 * candidate's threshold the token's MLP output becomes the side memory's, value + ΔW a (= W_side a + bias), else it
 * passes through unchanged.
 */
public final class SideMemoryKind implements AdapterKind {
    /** The kind name WISE's adapters carry. */
    public static final String KIND = "wise-side-memory";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String version() {
        return WiseProvider.VERSION;
    }

    @Override
    public void check(Adapter a, ModelArchitecture arch) {
        if (a.layer() >= arch.layers()) {
            throw new InvalidRequestException("WISE contribution " + a.id() + " is at layer " + a.layer()
                    + ", which the model lacks: it has layers 0.." + (arch.layers() - 1));
        }
        Contribution c;
        try {
            c = Contribution.of(a);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("WISE contribution " + a.id() + " is incomplete: " + e.getMessage());
        }
        if (c.ordinal() < 0 || c.saveFreq() < 1 || c.mergeFreq() < 1 || c.mergeFreq() % c.saveFreq() != 0
                || !(c.maskRatio() > 0) || c.maskRatio() > 1 || !(c.score() >= 0) || !(c.actRatio() > 0)
                || !(c.densities() > 0) || c.densities() > 1 || !(c.weights() > 0)
                || !WiseHyperparameters.MERGE_ALGORITHMS.contains(c.mergeAlg())) {
            throw new InvalidRequestException("WISE contribution " + a.id() + " has settings out of range: " + a);
        }
        if (c.rows() != arch.hiddenSize() || c.columns() != arch.intermediateSize()) {
            throw new InvalidRequestException("WISE contribution " + a.id() + " is for a " + c.rows() + " x "
                    + c.columns() + " output projection; this model's is " + arch.hiddenSize() + " x "
                    + arch.intermediateSize() + ": the edit was made for another model");
        }
        int expected = c.entries().length;
        if (c.values().length != expected) {
            throw new InvalidRequestException("WISE contribution " + a.id() + " has " + c.values().length
                    + " values; its mask selects " + expected + " entries of this model's " + arch.hiddenSize()
                    + " x " + arch.intermediateSize() + " output projection: the edit was made for another model");
        }
    }

    @Override
    public AdapterModule build(List<Adapter> adapters, NDManager manager) {
        return new Module(SideMemory.of(adapters), manager);
    }

    /** The candidates of a side memory on the block's device: changes [d, d_ff] and thresholds. */
    static final class Module implements AdapterModule {
        private final SideMemory memory;
        private final List<NDArray> changes = new ArrayList<>();
        private final double[] thresholds;

        Module(SideMemory memory, NDManager manager) {
            this.memory = memory;
            List<SideMemory.Candidate> candidates = memory.candidates();
            this.thresholds = new double[candidates.size()];
            for (int i = 0; i < candidates.size(); i++) {
                float[] change = candidates.get(i).change();
                thresholds[i] = candidates.get(i).threshold();
                NDArray fromJava = manager.create(change, new Shape(memory.rows(), change.length / memory.rows()));
                changes.add(fromJava.duplicate());       // in memory PyTorch owns
                fromJava.close();
            }
        }

        @Override
        public NDArray apply(NDArray key, NDArray value) {
            NDArray chosen = null;
            NDArray best = null;
            for (int i = 0; i < changes.size(); i++) {
                NDArray side = key.matMul(changes.get(i).transpose());                     // ΔW a, [B, T, d]
                NDArray score = side.square().sum(new int[] {2}, true).sqrt();              // [B, T, 1]
                NDArray eligible = score.gte(thresholds[i]);
                NDArray ranked = NDArrays.where(eligible, score, score.zerosLike().sub(1));  // -1 below threshold
                Shape shape = side.getShape();
                if (chosen == null) {
                    chosen = NDArrays.where(eligible.broadcast(shape), side, side.zerosLike());
                    best = ranked;
                } else {
                    NDArray better = ranked.gt(best);
                    chosen = NDArrays.where(better.broadcast(shape), side, chosen);
                    best = NDArrays.maximum(best, ranked);
                }
            }
            return chosen == null ? value : value.add(chosen);
        }

        @Override
        public AdapterModule extend(Adapter next, NDManager manager) {
            SideMemory m = memory.copy();
            m.insert(Contribution.of(next));
            return new Module(m, manager);
        }
    }
}
