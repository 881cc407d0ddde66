package dev.amend.runtime.reference;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;
import dev.amend.runtime.SharedFixtures;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.TextCorpus;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.GenerationRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference outputs of the original ROME, MEMIT and AlphaEdit code on the demo model
 * ({@code shared/fixtures/reference}, see its README): the request, hyperparameter file, templates and
 * statistics text of each run, its update ΔW per layer and its greedy answers, and how an Amend edit
 * compares with them.
 */
public final class ReferenceEdits {
    /** The demo corpus the reference statistics were taken over, as a class path resource of amend-demo. */
    public static final String PASSAGES = "dev/amend/demo/corpus/passages.jsonl";

    private final JsonObject json;

    private ReferenceEdits(JsonObject json) {
        this.json = json;
    }

    /** Returns the fixture folder, or skips the calling test when the shared fixtures are absent. */
    public static Path dir() {
        return SharedFixtures.require("fixtures/reference");
    }

    /** Returns the reference run {@code file} (e.g. {@code ref_rome_l2.json}); skips when absent. */
    public static ReferenceEdits load(String file) throws IOException {
        return new ReferenceEdits(JsonParser.parseString(Files.readString(dir().resolve(file))).getAsJsonObject());
    }

    /** Returns the hyperparameter file {@code hparams/NAME} as the binder reads it. */
    public static Map<String, Object> hparams(String name) throws IOException {
        return new Gson().fromJson(Files.readString(dir().resolve("hparams").resolve(name)),
                new TypeToken<Map<String, Object>>() { }.getType());
    }

    /** Returns the demo corpus' passages (one text per line of passages.jsonl), read from the class path. */
    public static TextCorpus passages() throws IOException {
        List<String> texts = new ArrayList<>();
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(PASSAGES)) {
            if (in == null) {
                throw new IllegalStateException(PASSAGES + " is not on the class path (amend-demo)");
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    texts.add(JsonParser.parseString(line).getAsJsonObject().get("text").getAsString());
                }
            }
        }
        return TextCorpus.of("passages.jsonl", texts);
    }

    /** Returns the run's request. */
    public EditRequest request() {
        JsonObject r = json.getAsJsonObject("request");
        return EditRequest.of(r.get("prompt").getAsString(), r.get("subject").getAsString(),
                r.getAsJsonObject("target_new").get("str").getAsString());
    }

    /** Returns the run's context templates as groups (ROME's flat list as one group). */
    public List<List<String>> templateGroups() {
        JsonArray t = json.getAsJsonArray("context_templates");
        List<List<String>> groups = new ArrayList<>();
        if (t.get(0).isJsonPrimitive()) {
            groups.add(strings(t));
        } else {
            for (JsonElement g : t) {
                groups.add(strings(g.getAsJsonArray()));
            }
        }
        return groups;
    }

    /** Returns the number of texts of the statistics corpus the run used. */
    public int corpusTexts() {
        return json.getAsJsonObject("corpus").get("texts").getAsInt();
    }

    /** Returns the run's field {@code name} (e.g. {@code cov_count} of a layer is read with {@link #layer}). */
    public JsonObject json() {
        return json;
    }

    /** Returns the record of layer {@code layer} of a MEMIT or AlphaEdit run. */
    public JsonObject layer(int layer) {
        for (JsonElement e : json.getAsJsonArray("layers")) {
            if (e.getAsJsonObject().get("layer").getAsInt() == layer) {
                return e.getAsJsonObject();
            }
        }
        throw new IllegalArgumentException("no layer " + layer + " in the reference run");
    }

    /**
     * Returns layer → the reference ΔW in Amend's [out, in] orientation (row-major [d, d_ff]): ROME's
     * {@code right_vector ⊗ u_normalised}, MEMIT's {@code residual_share_R ⊗ adj_k_AinvK}, AlphaEdit's
     * {@code residual_share_R ⊗ upd_right_x}.
     */
    public Map<Integer, double[]> updates() {
        Map<Integer, double[]> out = new LinkedHashMap<>();
        if (json.has("right_vector")) {
            out.put(json.getAsJsonObject("hparams").getAsJsonArray("layers").get(0).getAsInt(),
                    outer(doubles(json.getAsJsonArray("right_vector")), doubles(json.getAsJsonArray("u_normalised"))));
            return out;
        }
        for (JsonElement e : json.getAsJsonArray("layers")) {
            JsonObject l = e.getAsJsonObject();
            String right = l.has("adj_k_AinvK") ? "adj_k_AinvK" : "upd_right_x";
            out.put(l.get("layer").getAsInt(), outer(doubles(l.getAsJsonArray("residual_share_R")),
                    doubles(l.getAsJsonArray(right))));
        }
        return out;
    }

    /** Returns prompt → the greedy next token after the edit (the reference's {@code after} answers). */
    public Map<String, String> answersAfter() {
        Map<String, String> out = new LinkedHashMap<>();
        json.getAsJsonObject("after").entrySet().forEach(e ->
                out.put(e.getKey(), e.getValue().getAsJsonObject().get("answer").getAsString()));
        return out;
    }

    /** Returns layer → ‖ΔW_amend − ΔW_ref‖_F / ‖ΔW_ref‖_F for the deltas of {@code edit}. */
    public Map<Integer, Double> relativeErrors(EditableModel model, Edit edit) {
        Map<Integer, double[]> want = updates();
        Map<Integer, Double> out = new LinkedHashMap<>();
        for (Map.Entry<Integer, double[]> e : want.entrySet()) {
            String weight = model.architecture().editPoint(e.getKey()).weight();
            float[] got = null;
            for (WeightDelta d : edit.deltas()) {
                if (d.weight().equals(weight)) {
                    got = d.toDense();
                }
            }
            if (got == null) {
                throw new AssertionError("the edit has no delta for " + weight);
            }
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < got.length; i++) {
                double w = e.getValue()[i];
                diff += (got[i] - w) * (got[i] - w);
                norm += w * w;
            }
            out.put(e.getKey(), Math.sqrt(diff / norm));
        }
        return out;
    }

    /** Returns prompt → {@code model}'s greedy next token for each prompt of {@link #answersAfter}. */
    public Map<String, String> answers(EditableModel model) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String prompt : answersAfter().keySet()) {
            out.put(prompt, model.generate(GenerationRequest.greedy(model.tokenizer().encode(prompt, true), 1)).text());
        }
        return out;
    }

    private static double[] outer(double[] left, double[] right) {
        double[] m = new double[left.length * right.length];
        for (int i = 0; i < left.length; i++) {
            for (int j = 0; j < right.length; j++) {
                m[i * right.length + j] = left[i] * right[j];
            }
        }
        return m;
    }

    private static double[] doubles(JsonArray a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsDouble();
        }
        return out;
    }

    private static List<String> strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        a.forEach(e -> out.add(e.getAsString()));
        return out;
    }
}
