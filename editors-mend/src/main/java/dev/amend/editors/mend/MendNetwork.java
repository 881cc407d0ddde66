package dev.amend.editors.mend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.ModelArchitecture;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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

    // ---- storage --------------------------------------------------------------------------------

    /** Writes {@code mend.safetensors} and {@code mend.json} into {@code dir} and returns the directory. */
    public Path save(Path dir, NDManager manager) throws IOException {
        Files.createDirectories(dir);
        NDList list = new NDList();
        try (NDManager nd = manager.newSubManager()) {
            for (Map.Entry<String, GradientTransform> e : transforms.entrySet()) {
                GradientTransform t = e.getValue();
                for (String name : t.parameterNames()) {
                    list.add(named(nd.create(t.parameters().get(name), new Shape(t.shape(name))), e.getKey() + "/" + name));
                }
                list.add(named(nd.create(t.xMean()), e.getKey() + "/x_mean"));
                list.add(named(nd.create(t.xStd()), e.getKey() + "/x_std"));
                list.add(named(nd.create(t.deltaMean()), e.getKey() + "/delta_mean"));
                list.add(named(nd.create(t.deltaStd()), e.getKey() + "/delta_std"));
            }
            list.add(named(nd.create(editLrs), "edit_lrs"));
            Path tmp = Files.createTempFile(dir, WEIGHTS_FILE, ".tmp");
            try (OutputStream os = Files.newOutputStream(tmp)) {
                list.encode(os, NDList.Encoding.SAFETENSORS);
            }
            Files.move(tmp, dir.resolve(WEIGHTS_FILE), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(dir.resolve(CONFIG_FILE), configJson(), StandardCharsets.UTF_8);
        return dir;
    }

    private static NDArray named(NDArray a, String name) {
        a.setName(name);
        return a;
    }

    private String configJson() {
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        o.addProperty("model_name", modelName);
        o.addProperty("model_base_hash", modelBaseHash);
        o.addProperty("rank", rank);
        o.addProperty("n_hidden", nHidden);
        o.addProperty("norm", norm);
        JsonArray inner = new JsonArray();
        for (EditPoint p : points) {
            JsonObject w = new JsonObject();
            w.addProperty("weight", p.weight());
            w.addProperty("module", p.module());
            w.addProperty("layer", p.layer());
            w.addProperty("layout", p.layout().name());
            JsonArray shape = new JsonArray();
            shape.add(p.outFeatures());
            shape.add(p.inFeatures());
            w.add("shape_out_in", shape);
            inner.add(w);
        }
        o.add("inner_params", inner);
        JsonObject ts = new JsonObject();
        for (Map.Entry<String, GradientTransform> e : transforms.entrySet()) {
            JsonObject t = new JsonObject();
            t.addProperty("in", e.getValue().in());
            t.addProperty("out", e.getValue().out());
            t.addProperty("modes", e.getValue().modes());
            t.addProperty("rank", e.getValue().rank());
            t.addProperty("layers", e.getValue().layers());
            t.addProperty("statistics_count", e.getValue().count());
            ts.add(e.getKey(), t);
        }
        o.add("transforms", ts);
        Gson gson = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();
        o.add("training", gson.toJsonTree(training));
        return gson.toJson(o) + "\n";
    }

    /**
     * Returns the editor stored at {@code location}: a directory holding {@code mend.safetensors} and
     * {@code mend.json}, or the {@code .safetensors} file itself with its {@code .json} (or {@code mend.json}) beside it.
     */
    public static MendNetwork load(Path location, NDManager manager) {
        Path weights = Files.isDirectory(location) ? location.resolve(WEIGHTS_FILE) : location;
        Path config = Files.isDirectory(location) ? location.resolve(CONFIG_FILE)
                : location.resolveSibling(location.getFileName().toString().replaceFirst("\\.safetensors$", "") + ".json");
        if (!Files.isDirectory(location) && !Files.exists(config)) {
            config = location.resolveSibling(CONFIG_FILE);
        }
        if (!Files.exists(weights) || !Files.exists(config)) {
            throw new InvalidRequestException("no MEND editor at " + location + ": expected " + WEIGHTS_FILE + " and "
                    + CONFIG_FILE + " there; " + HOW_TO_TRAIN);
        }
        try {
            return parse(Files.readAllBytes(config), Files.readAllBytes(weights), location.toString(), manager);
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read the MEND editor at " + location + ": " + e.getMessage());
        }
    }

    /** Returns the editor stored in the class-path resources {@code dir}/mend.json and mend.safetensors, or null. */
    public static MendNetwork loadResource(String dir, NDManager manager) {
        ClassLoader cl = MendNetwork.class.getClassLoader();
        try (InputStream c = cl.getResourceAsStream(dir + CONFIG_FILE);
             InputStream w = cl.getResourceAsStream(dir + WEIGHTS_FILE)) {
            if (c == null || w == null) {
                return null;
            }
            return parse(c.readAllBytes(), w.readAllBytes(), "class path " + dir, manager);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Returns the base hash recorded in a configuration, or null when it is not readable. */
    static String recordedHash(byte[] config) {
        try {
            return JsonParser.parseString(new String(config, StandardCharsets.UTF_8)).getAsJsonObject()
                    .get("model_base_hash").getAsString();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static MendNetwork parse(byte[] configBytes, byte[] weightBytes, String where, NDManager manager) {
        String what = "the MEND editor at " + where;
        JsonObject o;
        List<EditPoint> points = new ArrayList<>();
        try {
            o = JsonParser.parseString(new String(configBytes, StandardCharsets.UTF_8)).getAsJsonObject();
            if (!FORMAT.equals(o.get("format").getAsString())) {
                throw new IllegalArgumentException("format \"" + o.get("format").getAsString() + "\", expected \""
                        + FORMAT + "\"");
            }
            for (JsonElement e : o.getAsJsonArray("inner_params")) {
                JsonObject w = e.getAsJsonObject();
                JsonArray shape = w.getAsJsonArray("shape_out_in");
                points.add(new EditPoint(w.get("layer").getAsInt(), w.get("module").getAsString(),
                        w.get("weight").getAsString(), dev.amend.spi.model.WeightLayout.valueOf(w.get("layout").getAsString()),
                        shape.get(1).getAsInt(), shape.get(0).getAsInt()));
            }
            if (points.isEmpty()) {
                throw new IllegalArgumentException("no inner_params");
            }
        } catch (RuntimeException e) {
            throw new InvalidRequestException(what + " has a malformed " + CONFIG_FILE + " (" + e.getMessage()
                    + "): retrain it with `./amend train-mend --model PATH --out DIR`");
        }
        MendNetwork net = create(points, o.get("rank").getAsInt(), o.get("n_hidden").getAsInt(),
                o.get("norm").getAsBoolean(), 0, o.get("model_base_hash").getAsString(),
                o.has("model_name") ? o.get("model_name").getAsString() : "", 0);
        if (o.has("training") && o.get("training").isJsonObject()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> t = new Gson().fromJson(o.get("training"), Map.class);
            net.setTraining(t);
        }
        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        try (NDManager nd = manager.newSubManager()) {
            NDList list;
            try {
                list = NDList.decode(nd, new ByteArrayInputStream(weightBytes));
            } catch (RuntimeException e) {
                throw new InvalidRequestException(what + " has a malformed " + WEIGHTS_FILE + " (" + e.getMessage()
                        + "): it is not a readable safetensors file; retrain it with "
                        + "`./amend train-mend --model PATH --out DIR`");
            }
            for (NDArray a : list) {
                if (a.getName() == null || a.getDataType() != DataType.FLOAT32) {
                    throw new InvalidRequestException(what + " has a tensor without a name or not float32 in "
                            + WEIGHTS_FILE);
                }
                tensors.put(a.getName(), a.toFloatArray());
                shapes.put(a.getName(), a.getShape());
            }
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, GradientTransform> e : net.transforms.entrySet()) {
            GradientTransform t = e.getValue();
            for (String name : t.parameterNames()) {
                String key = e.getKey() + "/" + name;
                copy(tensors, shapes, key, new Shape(t.shape(name)), t.parameters().get(name), problems);
            }
            float[] xm = new float[t.in()];
            float[] xs = new float[t.in()];
            float[] dm = new float[t.out()];
            float[] ds = new float[t.out()];
            copy(tensors, shapes, e.getKey() + "/x_mean", new Shape(t.in()), xm, problems);
            copy(tensors, shapes, e.getKey() + "/x_std", new Shape(t.in()), xs, problems);
            copy(tensors, shapes, e.getKey() + "/delta_mean", new Shape(t.out()), dm, problems);
            copy(tensors, shapes, e.getKey() + "/delta_std", new Shape(t.out()), ds, problems);
            long count = o.getAsJsonObject("transforms").getAsJsonObject(e.getKey()).get("statistics_count").getAsLong();
            t.setStatistics(count, xm, xs, dm, ds);
        }
        copy(tensors, shapes, "edit_lrs", new Shape(points.size()), net.editLrs, problems);
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(what + " does not match its " + CONFIG_FILE + ": "
                    + String.join("; ", problems.subList(0, Math.min(4, problems.size())))
                    + "; retrain it with `./amend train-mend --model PATH --out DIR`");
        }
        return net;
    }

    private static void copy(Map<String, float[]> tensors, Map<String, Shape> shapes, String key, Shape want,
                             float[] into, List<String> problems) {
        float[] v = tensors.get(key);
        if (v == null) {
            problems.add("tensor \"" + key + "\" is missing");
        } else if (!shapes.get(key).equals(want)) {
            problems.add("tensor \"" + key + "\" has shape " + shapes.get(key) + ", expected " + want);
        } else {
            System.arraycopy(v, 0, into, 0, into.length);
        }
    }

    /** Returns the advice appended to errors about missing editors. */
    static String howToTrain() {
        return HOW_TO_TRAIN;
    }
}
