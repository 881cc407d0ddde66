package dev.amend.editors.mend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.ModelArchitecture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A MEND editor for one model: the edited weights, one {@link GradientTransform} per weight shape, and a
 * learnable edit learning rate per weight. Stored as {@code mend.safetensors} (parameters and running
 * statistics) beside {@code mend.json} (weights' names and shapes, rank, the base hash of the model it
 * was trained for, the training summary).
 */
public final class MendNetwork {
    /** File name of the parameters. */
    public static final String WEIGHTS_FILE = "mend.safetensors";
    /** File name of the configuration. */
    public static final String CONFIG_FILE = "mend.json";
    /** Format tag in the configuration. */
    public static final String FORMAT = "amend-mend/1";
    private static final String HOW_TO_TRAIN = "train one with `./amend train-mend --model PATH --out DIR` and pass "
            + "it as editor_path (--hparams FILE with `editor_path: DIR`)";

    private final List<EditPoint> points;
    private final Map<String, GradientTransform> transforms;
    private final float[] editLrs;
    private final String modelBaseHash;
    private final String modelName;
    private final int rank;
    private final int nHidden;
    private final boolean norm;
    private Map<String, Object> training = new LinkedHashMap<>();

    private MendNetwork(List<EditPoint> points, Map<String, GradientTransform> transforms, float[] editLrs,
                        String modelBaseHash, String modelName, int rank, int nHidden, boolean norm) {
        this.points = List.copyOf(points);
        this.transforms = transforms;
        this.editLrs = editLrs;
        this.modelBaseHash = modelBaseHash;
        this.modelName = modelName;
        this.rank = rank;
        this.nHidden = nHidden;
        this.norm = norm;
    }

    /** Returns an untrained (identity) editor for {@code points} of a model with hash {@code baseHash}. */
    public static MendNetwork create(List<EditPoint> points, int rank, int nHidden, boolean norm, double editLr,
                                     String baseHash, String modelName, long seed) {
        Random random = new Random(seed);
        Map<String, Integer> modes = new LinkedHashMap<>();
        for (EditPoint p : points) {
            modes.merge(shapeKey(p), 1, Integer::sum);
        }
        Map<String, GradientTransform> transforms = new LinkedHashMap<>();
        for (EditPoint p : points) {
            transforms.computeIfAbsent(shapeKey(p), k -> new GradientTransform(p.inFeatures(), p.outFeatures(),
                    modes.get(k), Math.min(rank, p.inFeatures() + p.outFeatures()), nHidden, norm, random));
        }
        float[] lrs = new float[points.size()];
        Arrays.fill(lrs, (float) editLr);
        return new MendNetwork(points, transforms, lrs, baseHash, modelName, rank, nHidden, norm);
    }

    /** Returns the key of a weight shape, {@code <out>x<in>}. */
    public static String shapeKey(EditPoint p) {
        return p.outFeatures() + "x" + p.inFeatures();
    }

    /** Returns the edited weights, in order. */
    public List<EditPoint> points() {
        return points;
    }

    /** Returns the transforms by shape key. */
    public Map<String, GradientTransform> transforms() {
        return transforms;
    }

    /** Returns the transform of {@code p}'s shape. */
    public GradientTransform transform(EditPoint p) {
        return transforms.get(shapeKey(p));
    }

    /** Returns the mode of {@code p} within its shared transform (its index among weights of its shape). */
    public int mode(EditPoint p) {
        int m = 0;
        for (EditPoint q : points) {
            if (q.equals(p)) {
                return m;
            }
            if (shapeKey(q).equals(shapeKey(p))) {
                m++;
            }
        }
        throw new IllegalArgumentException(p.weight() + " is not edited by this MEND editor");
    }

    /** Returns the edit learning rates, one per edited weight (the live array). */
    public float[] editLrs() {
        return editLrs;
    }

    /** Returns the base hash of the model the editor was trained for. */
    public String modelBaseHash() {
        return modelBaseHash;
    }

    /** Returns the name of the model the editor was trained for. */
    public String modelName() {
        return modelName;
    }

    /** Returns the rank of the MLP layers. */
    public int rank() {
        return rank;
    }

    /** Returns the hidden layers (with ReLU) of each transform's MLP. */
    int nHidden() {
        return nHidden;
    }

    /** Returns whether the transforms normalise x and δ by running statistics. */
    boolean norm() {
        return norm;
    }

    /** Returns the training summary recorded with the editor. */
    public Map<String, Object> training() {
        return training;
    }

    /** Sets the training summary recorded with the editor. */
    public void setTraining(Map<String, Object> summary) {
        this.training = new LinkedHashMap<>(summary);
    }

    /** Returns the number of trainable floats (transforms and edit learning rates). */
    public long parameterCount() {
        long n = editLrs.length;
        for (GradientTransform t : transforms.values()) {
            for (float[] a : t.parameters().values()) {
                n += a.length;
            }
        }
        return n;
    }

    /** Returns the problems of using this editor on {@code arch} with hash {@code baseHash}; empty when it fits. */
    public List<String> mismatches(ModelArchitecture arch) {
        List<String> out = new ArrayList<>();
        for (EditPoint p : points) {
            if (p.layer() >= arch.layers() || !arch.editPoint(p.layer()).equals(p)) {
                out.add("it edits " + p.weight() + " [" + p.outFeatures() + ", " + p.inFeatures()
                        + "], which this model does not have");
            }
        }
        return out;
    }

    // ---- computation ---------------------------------------------------------------------------

    /** The editor's parameters as arrays for one computation. */
    public final class Bound {
        private final Map<String, GradientTransform.Bound> bound = new LinkedHashMap<>();
        private final NDArray lrs;

        private Bound(NDManager nd, boolean trainable) {
            for (Map.Entry<String, GradientTransform> e : transforms.entrySet()) {
                bound.put(e.getKey(), e.getValue().bind(nd, trainable));
            }
            lrs = nd.create(editLrs);
            if (trainable) {
                lrs.setRequiresGradient(true);
            }
        }

        /** Returns the bound transforms by shape key. */
        public Map<String, GradientTransform.Bound> transforms() {
            return bound;
        }

        /** Returns the edit learning rates array (its gradient after a backward pass). */
        public NDArray editLrs() {
            return lrs;
        }

        /**
         * Returns the update's factors of weight {@code p}: {@code U} [out, n] = −lr·δ̃ᵀ and {@code V} [in, n] = x̃ᵀ
         * so that ΔW = U Vᵀ = −lr Σ_tokens δ̃ x̃ᵀ.
         */
        public NDList factors(EditPoint p, NDArray x, NDArray delta) {
            int i = points.indexOf(p);
            NDList t = bound.get(shapeKey(p)).apply(x, delta, mode(p));
            NDArray u = t.get(1).transpose().mul(lrs.get(i).neg());
            return new NDList(u, t.get(0).transpose());
        }

        /** Returns ΔW [out, in] of weight {@code p} for tokens {@code x} [n, in] and {@code delta} [n, out]. */
        public NDArray delta(EditPoint p, NDArray x, NDArray delta) {
            NDList f = factors(p, x, delta);
            return f.get(0).matMul(f.get(1).transpose());
        }
    }

    /** Returns the parameters as arrays in {@code nd}, requiring gradients when {@code trainable}. */
    public Bound bind(NDManager nd, boolean trainable) {
        return new Bound(nd, trainable);
    }

    // ---- storage: see MendFiles ------------------------------------------------------------------

    /** Writes {@code mend.safetensors} and {@code mend.json} into {@code dir} and returns the directory. */
    public Path save(Path dir, NDManager manager) throws IOException {
        return MendFiles.save(this, dir, manager);
    }

    /**
     * Returns the editor stored at {@code location}: a directory holding {@code mend.safetensors} and
     * {@code mend.json}, or the {@code .safetensors} file itself with its {@code .json} (or {@code mend.json}) beside it.
     */
    public static MendNetwork load(Path location, NDManager manager) {
        return MendFiles.load(location, manager);
    }

    /** Returns the editor stored in the class-path resources {@code dir}/mend.json and mend.safetensors, or null. */
    public static MendNetwork loadResource(String dir, NDManager manager) {
        return MendFiles.loadResource(dir, manager);
    }

    /** Returns the base hash recorded in a configuration, or null when it is not readable. */
    static String recordedHash(byte[] config) {
        return MendFiles.recordedHash(config);
    }

    /** Returns the advice appended to errors about missing editors. */
    static String howToTrain() {
        return HOW_TO_TRAIN;
    }
}
