package dev.amend.runtime.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.amend.runtime.MalformedCheckpointException;
import dev.amend.runtime.model.Family;
import dev.amend.runtime.model.TransformerConfig;
import dev.amend.runtime.safetensors.DType;
import dev.amend.runtime.safetensors.HostTensor;
import dev.amend.runtime.safetensors.SafetensorsFile;
import dev.amend.runtime.safetensors.SafetensorsWriter;
import dev.amend.runtime.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The weights of a Hugging Face model directory: {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json}; read with the runtime's names, written single or sharded.
 */
final class HfWeights {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private HfWeights() {
    }

    /** Returns the safetensors files of {@code dir}: the single file, or the shards its index lists. */
    static List<Path> weightFiles(Path dir) {
        Path single = dir.resolve(HfCheckpoints.WEIGHTS);
        Path index = dir.resolve(HfCheckpoints.INDEX);
        if (Files.exists(index)) {
            JsonObject idx = HfConfig.readJson(index);
            if (!idx.has("weight_map") || !idx.get("weight_map").isJsonObject()) {
                throw new MalformedCheckpointException(index, "no \"weight_map\" object");
            }
            List<Path> files = new ArrayList<>();
            for (String f : new TreeSet<>(idx.getAsJsonObject("weight_map").entrySet().stream()
                    .map(e -> e.getValue().getAsString()).toList())) {
                Path p = dir.resolve(f).normalize();
                if (!p.startsWith(dir.normalize())) {
                    throw new MalformedCheckpointException(index, "shard \"" + f + "\" lies outside the directory");
                }
                if (!Files.exists(p)) {
                    throw new MalformedCheckpointException(p, "missing shard listed in " + HfCheckpoints.INDEX);
                }
                files.add(p);
            }
            return files;
        }
        if (Files.exists(single)) {
            return List.of(single);
        }
        throw new MalformedCheckpointException(dir, "no " + HfCheckpoints.WEIGHTS + " and no " + HfCheckpoints.INDEX
                + " (only safetensors checkpoints are read; convert .bin/.pt files first)");
    }

    /** Where one float tensor of a checkpoint lies: its file and its entry there. */
    record Located(Path file, TensorInfo info) {
    }

    /** Returns the float tensors of {@code dir} by their stored names (integer buffers left out), without reading them. */
    static Map<String, Located> index(Path dir) {
        Map<String, Located> out = new LinkedHashMap<>();
        Map<String, String> mapped = null;
        Path index = dir.resolve(HfCheckpoints.INDEX);
        if (Files.exists(index)) {
            mapped = new TreeMap<>();
            for (Map.Entry<String, JsonElement> e : HfConfig.readJson(index).getAsJsonObject("weight_map").entrySet()) {
                mapped.put(e.getKey(), e.getValue().getAsString());
            }
        }
        for (Path f : weightFiles(dir)) {
            try (SafetensorsFile st = SafetensorsFile.open(f)) {
                for (TensorInfo info : st.tensors().values()) {
                    if (info.dtype() == DType.I64 || info.dtype() == DType.I32) {
                        continue; // buffers such as position ids
                    }
                    out.put(info.name(), new Located(f, info));
                }
            }
        }
        if (mapped != null) {
            for (String name : mapped.keySet()) {
                if (!out.containsKey(name) && !isBuffer(name)) {
                    throw new MalformedCheckpointException(dir.resolve(mapped.get(name)), "missing tensor \"" + name
                            + "\" that " + HfCheckpoints.INDEX + " places in this shard");
                }
            }
        }
        return out;
    }

    /** Returns the data type of the first float tensor stored in {@code dir}, or null when there is none. */
    static DType storedDtype(Path dir) {
        for (Path f : weightFiles(dir)) {
            try (SafetensorsFile st = SafetensorsFile.open(f)) {
                for (var info : st.tensors().values()) {
                    if (info.dtype() != DType.I64 && info.dtype() != DType.I32) {
                        return info.dtype();
                    }
                }
            }
        }
        return null;
    }

    private static boolean isBuffer(String name) {
        return name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias") || name.endsWith("rotary_emb.inv_freq");
    }

    /**
     * Returns the runtime's name for the checkpoint's tensor {@code name} (GPT-2's without prefix gets it), or null
     * for a tensor the runtime does not keep (buffers, a head tied to the embeddings).
     */
    static String canonicalName(TransformerConfig config, String name) {
        if (isBuffer(name)) {
            return null;
        }
        if (config.family() == Family.GPT2) {
            if (name.equals("lm_head.weight")) {
                return null; // tied to transformer.wte.weight
            }
            return name.startsWith("transformer.") ? name : "transformer." + name;
        }
        return config.tieWordEmbeddings() && name.equals("lm_head.weight") ? null : name;
    }

    /**
     * Writes {@code tensors} into {@code dir} as {@code model.safetensors}, or, beyond {@code maxShardBytes}, as
     * {@code model-0000i-of-0000N.safetensors} shards with a {@code model.safetensors.index.json}.
     */
    static void write(Map<String, HostTensor> tensors, Path dir, long maxShardBytes) throws IOException {
        List<Map<String, HostTensor>> shards = new ArrayList<>();
        Map<String, HostTensor> current = new LinkedHashMap<>();
        long size = 0;
        long total = 0;
        for (Map.Entry<String, HostTensor> e : new TreeMap<>(tensors).entrySet()) {
            long bytes = 4L * e.getValue().data().length;
            if (!current.isEmpty() && size + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                size = 0;
            }
            current.put(e.getKey(), e.getValue());
            size += bytes;
            total += bytes;
        }
        shards.add(current);
        Files.deleteIfExists(dir.resolve(HfCheckpoints.WEIGHTS));
        Files.deleteIfExists(dir.resolve(HfCheckpoints.INDEX));
        if (shards.size() == 1) {
            SafetensorsWriter.write(dir.resolve(HfCheckpoints.WEIGHTS), shards.get(0), Map.of());
            return;
        }
        JsonObject weightMap = new JsonObject();
        for (int i = 0; i < shards.size(); i++) {
            String file = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            SafetensorsWriter.write(dir.resolve(file), shards.get(i), Map.of());
            for (String n : shards.get(i).keySet()) {
                weightMap.addProperty(n, file);
            }
        }
        JsonObject index = new JsonObject();
        JsonObject meta = new JsonObject();
        meta.addProperty("total_size", total);
        index.add("metadata", meta);
        index.add("weight_map", weightMap);
        HfCheckpoints.writeAtomically(dir.resolve(HfCheckpoints.INDEX), GSON.toJson(index));
    }
}
