package dev.amend.runtime.ledger;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.amend.spi.edit.Adapter;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.WeightDelta;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An edit and the caller's info as a JSON object plus float32 tensors: deltas as {@code d<i>}
 * (dense [rows, cols]) or {@code d<i>.u} [rows, rank] and {@code d<i>.v} [cols, rank]; float arrays
 * inside hyperparameters, metadata, the adapters' states and info as {@code m<j>}. Adapters are a list of
 * {@code {"id", "kind", "layer", "state"}} objects in the order they are added (absent in records written before
 * edits carried adapters, read as none).
 */
final class EditCodec {
    private EditCodec() {
    }

    /** An edit as JSON fields and tensors. */
    record Encoded(JsonObject json, Map<String, TensorBlob.Tensor> tensors) {
    }

    /** Returns {@code edit} and {@code info} as JSON fields and tensors. */
    static Encoded encode(Edit edit, Map<String, Object> info) {
        Map<String, TensorBlob.Tensor> tensors = new LinkedHashMap<>();
        java.util.function.Function<float[], String> store = f -> {
            String name = "m" + tensors.size();
            tensors.put(name, new TensorBlob.Tensor(new long[] {f.length}, f));
            return name;
        };
        JsonObject o = new JsonObject();
        o.addProperty("method", edit.method());
        o.addProperty("method_version", edit.methodVersion());
        JsonArray requests = new JsonArray();
        for (EditRequest r : edit.requests()) {
            JsonObject jr = new JsonObject();
            jr.addProperty("prompt", r.prompt());
            jr.addProperty("subject", r.subject());
            jr.addProperty("target", r.target());
            JsonArray para = new JsonArray();
            r.paraphrases().forEach(para::add);
            jr.add("paraphrases", para);
            requests.add(jr);
        }
        o.add("requests", requests);
        o.add("hyperparameters", TypedJson.encode(edit.hyperparameters(), store));
        JsonArray templates = new JsonArray();
        edit.contextTemplates().forEach(templates::add);
        o.add("context_templates", templates);
        JsonArray deltas = new JsonArray();
        for (int i = 0; i < edit.deltas().size(); i++) {
            WeightDelta d = edit.deltas().get(i);
            JsonObject jd = new JsonObject();
            jd.addProperty("weight", d.weight());
            jd.addProperty("rows", d.rows());
            jd.addProperty("cols", d.cols());
            String t = "d" + i;
            if (d instanceof WeightDelta.LowRank lr) {
                jd.addProperty("kind", "low_rank");
                jd.addProperty("rank", lr.rank());
                tensors.put(t + ".u", new TensorBlob.Tensor(new long[] {lr.rows(), lr.rank()}, lr.u()));
                tensors.put(t + ".v", new TensorBlob.Tensor(new long[] {lr.cols(), lr.rank()}, lr.v()));
            } else {
                WeightDelta.Dense dd = (WeightDelta.Dense) d;
                jd.addProperty("kind", "dense");
                tensors.put(t, new TensorBlob.Tensor(new long[] {dd.rows(), dd.cols()}, dd.values()));
            }
            jd.addProperty("tensor", t);
            deltas.add(jd);
        }
        o.add("deltas", deltas);
        o.add("metadata", TypedJson.encode(edit.metadata(), store));
        if (!edit.adapters().isEmpty()) {
            JsonArray adapters = new JsonArray();
            for (Adapter a : edit.adapters()) {
                JsonObject ja = new JsonObject();
                ja.addProperty("id", a.id());
                ja.addProperty("kind", a.kind());
                ja.addProperty("layer", a.layer());
                ja.add("state", TypedJson.encode(a.state(), store));
                adapters.add(ja);
            }
            o.add("adapters", adapters);
        }
        o.add("info", TypedJson.encode(info, store));
        return new Encoded(o, tensors);
    }

    /** An edit read back with the caller's info and its delta sizes. */
    record Decoded(Edit edit, Map<String, Object> info, List<LedgerEntry.DeltaSize> sizes) {
    }

    /**
     * Returns the edit in {@code json} with its tensors from {@code tensors}.
     *
     * @throws IllegalArgumentException saying what is missing or inconsistent
     */
    static Decoded decode(JsonObject json, Map<String, TensorBlob.Tensor> tensors) {
        java.util.function.Function<String, float[]> load = name -> {
            TensorBlob.Tensor t = tensors.get(name);
            if (t == null) {
                throw new IllegalArgumentException("tensor " + name + " is missing from the deltas file");
            }
            return t.data();
        };
        List<EditRequest> requests = new ArrayList<>();
        for (JsonElement e : json.getAsJsonArray("requests")) {
            JsonObject r = e.getAsJsonObject();
            List<String> para = new ArrayList<>();
            for (JsonElement p : r.getAsJsonArray("paraphrases")) {
                para.add(p.getAsString());
            }
            requests.add(new EditRequest(r.get("prompt").getAsString(), r.get("subject").getAsString(),
                    r.get("target").getAsString(), para));
        }
        List<String> templates = new ArrayList<>();
        for (JsonElement e : json.getAsJsonArray("context_templates")) {
            templates.add(e.getAsString());
        }
        List<WeightDelta> deltas = new ArrayList<>();
        List<LedgerEntry.DeltaSize> sizes = new ArrayList<>();
        for (JsonElement e : json.getAsJsonArray("deltas")) {
            JsonObject d = e.getAsJsonObject();
            String weight = d.get("weight").getAsString();
            int rows = d.get("rows").getAsInt();
            int cols = d.get("cols").getAsInt();
            String t = d.get("tensor").getAsString();
            WeightDelta delta;
            String kind = d.get("kind").getAsString();
            if (kind.equals("low_rank")) {
                int rank = d.get("rank").getAsInt();
                delta = new WeightDelta.LowRank(weight, rows, cols, rank, load.apply(t + ".u"), load.apply(t + ".v"));
                sizes.add(new LedgerEntry.DeltaSize(weight, kind, rows, cols, rank, delta.storedFloats(),
                        4 * delta.storedFloats()));
            } else if (kind.equals("dense")) {
                delta = new WeightDelta.Dense(weight, rows, cols, load.apply(t));
                sizes.add(new LedgerEntry.DeltaSize(weight, kind, rows, cols, Math.min(rows, cols),
                        delta.storedFloats(), 4 * delta.storedFloats()));
            } else {
                throw new IllegalArgumentException("unknown delta kind " + kind);
            }
            deltas.add(delta);
        }
        List<Adapter> adapters = new ArrayList<>();
        if (json.has("adapters")) {
            for (JsonElement e : json.getAsJsonArray("adapters")) {
                JsonObject a = e.getAsJsonObject();
                adapters.add(new Adapter(a.get("id").getAsString(), a.get("kind").getAsString(),
                        a.get("layer").getAsInt(), TypedJson.decodeMap(a.get("state"), load)));
            }
        }
        Edit edit = new Edit(json.get("method").getAsString(), json.get("method_version").getAsString(), requests,
                TypedJson.decodeMap(json.get("hyperparameters"), load), templates, deltas,
                TypedJson.decodeMap(json.get("metadata"), load), adapters);
        return new Decoded(edit, TypedJson.decodeMap(json.get("info"), load), sizes);
    }
}
