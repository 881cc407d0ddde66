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
import dev.amend.spi.model.WeightLayout;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A MEND editor's files: {@code mend.safetensors} holds every transform's parameters and running statistics
 * ({@code <shape>/<name>}, {@code <shape>/x_mean} ...) and the edit learning rates; {@code mend.json} holds the
 * format tag, the edited weights with their shapes and layouts, the transforms' sizes and statistics counts, the
 * base hash of the model it was trained for, and the training summary.
 */
final class MendFiles {
    private static final String RETRAIN = "retrain it with `./amend train-mend --model PATH --out DIR`";

    private MendFiles() {
    }

    /** Writes {@code net}'s two files into {@code dir} (the weights atomically) and returns the directory. */
    static Path save(MendNetwork net, Path dir, NDManager manager) throws IOException {
        Files.createDirectories(dir);
        NDList list = new NDList();
        try (NDManager nd = manager.newSubManager()) {
            for (Map.Entry<String, GradientTransform> e : net.transforms().entrySet()) {
                GradientTransform t = e.getValue();
                for (String name : t.parameterNames()) {
                    list.add(named(nd.create(t.parameters().get(name), new Shape(t.shape(name))), e.getKey() + "/" + name));
                }
                list.add(named(nd.create(t.xMean()), e.getKey() + "/x_mean"));
                list.add(named(nd.create(t.xStd()), e.getKey() + "/x_std"));
                list.add(named(nd.create(t.deltaMean()), e.getKey() + "/delta_mean"));
                list.add(named(nd.create(t.deltaStd()), e.getKey() + "/delta_std"));
            }
            list.add(named(nd.create(net.editLrs()), "edit_lrs"));
            Path tmp = Files.createTempFile(dir, MendNetwork.WEIGHTS_FILE, ".tmp");
            try (OutputStream os = Files.newOutputStream(tmp)) {
                list.encode(os, NDList.Encoding.SAFETENSORS);
            }
            Files.move(tmp, dir.resolve(MendNetwork.WEIGHTS_FILE), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(dir.resolve(MendNetwork.CONFIG_FILE), configJson(net), StandardCharsets.UTF_8);
        return dir;
    }

    private static NDArray named(NDArray a, String name) {
        a.setName(name);
        return a;
    }

    private static String configJson(MendNetwork net) {
        JsonObject o = new JsonObject();
        o.addProperty("format", MendNetwork.FORMAT);
        o.addProperty("model_name", net.modelName());
        o.addProperty("model_base_hash", net.modelBaseHash());
        o.addProperty("rank", net.rank());
        o.addProperty("n_hidden", net.nHidden());
        o.addProperty("norm", net.norm());
        JsonArray inner = new JsonArray();
        for (EditPoint p : net.points()) {
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
        for (Map.Entry<String, GradientTransform> e : net.transforms().entrySet()) {
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
        o.add("training", gson.toJsonTree(net.training()));
        return gson.toJson(o) + "\n";
    }

    /** Returns the editor stored at {@code location} (a directory, or the weights file with its json beside it). */
    static MendNetwork load(Path location, NDManager manager) {
        Path weights = Files.isDirectory(location) ? location.resolve(MendNetwork.WEIGHTS_FILE) : location;
        Path config = Files.isDirectory(location) ? location.resolve(MendNetwork.CONFIG_FILE)
                : location.resolveSibling(location.getFileName().toString().replaceFirst("\\.safetensors$", "") + ".json");
        if (!Files.isDirectory(location) && !Files.exists(config)) {
            config = location.resolveSibling(MendNetwork.CONFIG_FILE);
        }
        if (!Files.exists(weights) || !Files.exists(config)) {
            throw new InvalidRequestException("no MEND editor at " + location + ": expected " + MendNetwork.WEIGHTS_FILE
                    + " and " + MendNetwork.CONFIG_FILE + " there; " + MendNetwork.howToTrain());
        }
        try {
            return parse(Files.readAllBytes(config), Files.readAllBytes(weights), location.toString(), manager);
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read the MEND editor at " + location + ": " + e.getMessage());
        }
    }

    /** Returns the editor stored in the class-path resources {@code dir}/mend.json and mend.safetensors, or null. */
    static MendNetwork loadResource(String dir, NDManager manager) {
        ClassLoader cl = MendNetwork.class.getClassLoader();
        try (InputStream c = cl.getResourceAsStream(dir + MendNetwork.CONFIG_FILE);
             InputStream w = cl.getResourceAsStream(dir + MendNetwork.WEIGHTS_FILE)) {
            if (c == null || w == null) {
                return null;
            }
            return parse(c.readAllBytes(), w.readAllBytes(), "class path " + dir, manager);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
        List<EditPoint> points;
        try {
            o = JsonParser.parseString(new String(configBytes, StandardCharsets.UTF_8)).getAsJsonObject();
            points = editPoints(o);
        } catch (RuntimeException e) {
            throw new InvalidRequestException(what + " has a malformed " + MendNetwork.CONFIG_FILE + " ("
                    + e.getMessage() + "): " + RETRAIN);
        }
        MendNetwork net = MendNetwork.create(points, o.get("rank").getAsInt(), o.get("n_hidden").getAsInt(),
                o.get("norm").getAsBoolean(), 0, o.get("model_base_hash").getAsString(),
                o.has("model_name") ? o.get("model_name").getAsString() : "", 0);
        if (o.has("training") && o.get("training").isJsonObject()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> t = new Gson().fromJson(o.get("training"), Map.class);
            net.setTraining(t);
        }
        List<String> problems = fill(net, o, new Tensors(weightBytes, what, manager));
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(what + " does not match its " + MendNetwork.CONFIG_FILE + ": "
                    + String.join("; ", problems.subList(0, Math.min(4, problems.size()))) + "; " + RETRAIN);
        }
        return net;
    }

    /** Returns the edited weights listed in the configuration; throws when the format or the list is wrong. */
    private static List<EditPoint> editPoints(JsonObject o) {
        if (!MendNetwork.FORMAT.equals(o.get("format").getAsString())) {
            throw new IllegalArgumentException("format \"" + o.get("format").getAsString() + "\", expected \""
                    + MendNetwork.FORMAT + "\"");
        }
        List<EditPoint> points = new ArrayList<>();
        for (JsonElement e : o.getAsJsonArray("inner_params")) {
            JsonObject w = e.getAsJsonObject();
            JsonArray shape = w.getAsJsonArray("shape_out_in");
            points.add(new EditPoint(w.get("layer").getAsInt(), w.get("module").getAsString(),
                    w.get("weight").getAsString(), WeightLayout.valueOf(w.get("layout").getAsString()),
                    shape.get(1).getAsInt(), shape.get(0).getAsInt()));
        }
        if (points.isEmpty()) {
            throw new IllegalArgumentException("no inner_params");
        }
        return points;
    }

    /** Copies the stored parameters and statistics into {@code net}; returns what is missing or misshapen. */
    private static List<String> fill(MendNetwork net, JsonObject o, Tensors tensors) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, GradientTransform> e : net.transforms().entrySet()) {
            GradientTransform t = e.getValue();
            for (String name : t.parameterNames()) {
                tensors.copy(e.getKey() + "/" + name, new Shape(t.shape(name)), t.parameters().get(name), problems);
            }
            float[] xm = new float[t.in()];
            float[] xs = new float[t.in()];
            float[] dm = new float[t.out()];
            float[] ds = new float[t.out()];
            tensors.copy(e.getKey() + "/x_mean", new Shape(t.in()), xm, problems);
            tensors.copy(e.getKey() + "/x_std", new Shape(t.in()), xs, problems);
            tensors.copy(e.getKey() + "/delta_mean", new Shape(t.out()), dm, problems);
            tensors.copy(e.getKey() + "/delta_std", new Shape(t.out()), ds, problems);
            long count = o.getAsJsonObject("transforms").getAsJsonObject(e.getKey()).get("statistics_count").getAsLong();
            t.setStatistics(count, xm, xs, dm, ds);
        }
        tensors.copy("edit_lrs", new Shape(net.points().size()), net.editLrs(), problems);
        return problems;
    }

    /** The float32 tensors of a weights file, by name. */
    private static final class Tensors {
        private final Map<String, float[]> values = new LinkedHashMap<>();
        private final Map<String, Shape> shapes = new LinkedHashMap<>();

        Tensors(byte[] weightBytes, String what, NDManager manager) {
            try (NDManager nd = manager.newSubManager()) {
                NDList list;
                try {
                    list = NDList.decode(nd, new ByteArrayInputStream(weightBytes));
                } catch (RuntimeException e) {
                    throw new InvalidRequestException(what + " has a malformed " + MendNetwork.WEIGHTS_FILE + " ("
                            + e.getMessage() + "): it is not a readable safetensors file; " + RETRAIN);
                }
                for (NDArray a : list) {
                    if (a.getName() == null || a.getDataType() != DataType.FLOAT32) {
                        throw new InvalidRequestException(what + " has a tensor without a name or not float32 in "
                                + MendNetwork.WEIGHTS_FILE);
                    }
                    values.put(a.getName(), a.toFloatArray());
                    shapes.put(a.getName(), a.getShape());
                }
            }
        }

        /** Copies tensor {@code key} into {@code into} when it is there with shape {@code want}; else notes why not. */
        void copy(String key, Shape want, float[] into, List<String> problems) {
            float[] v = values.get(key);
            if (v == null) {
                problems.add("tensor \"" + key + "\" is missing");
            } else if (!shapes.get(key).equals(want)) {
                problems.add("tensor \"" + key + "\" has shape " + shapes.get(key) + ", expected " + want);
            } else {
                System.arraycopy(v, 0, into, 0, into.length);
            }
        }
    }
}
