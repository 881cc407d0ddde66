package dev.amend.runtime.io;

import ai.djl.Device;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.amend.runtime.MalformedCheckpointException;
import dev.amend.runtime.model.Family;
import dev.amend.runtime.model.RopeScaling;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.model.TransformerConfig;
import dev.amend.runtime.safetensors.DType;
import dev.amend.runtime.safetensors.HostTensor;
import dev.amend.runtime.safetensors.SafetensorsFile;
import dev.amend.runtime.safetensors.SafetensorsWriter;
import dev.amend.runtime.tokenizer.HfTokenizer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.model.TextTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads and writes Hugging Face model directories: {@code config.json}, {@code model.safetensors} or
 * sharded files with {@code model.safetensors.index.json}, and {@code tokenizer.json}.
 */
public final class HfCheckpoints {
    /** Name of the single-file weights. */
    public static final String WEIGHTS = "model.safetensors";
    /** Name of the shard index. */
    public static final String INDEX = "model.safetensors.index.json";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private HfCheckpoints() {
    }

    /** Returns the model in {@code dir} on the CPU. */
    public static Transformer load(Path dir) {
        return load(dir, Device.cpu());
    }

    /**
     * Returns the model in {@code dir} on {@code device}.
     *
     * @throws MalformedCheckpointException naming the file and the problem when something is missing or broken
     */
    public static Transformer load(Path dir, Device device) {
        return load(dir, device, dir.toAbsolutePath().normalize().getFileName().toString());
    }

    /** Returns the model in {@code dir} on {@code device}, called {@code name}. */
    public static Transformer load(Path dir, Device device, String name) {
        if (!Files.isDirectory(dir)) {
            throw new InvalidRequestException("model directory " + dir + " does not exist");
        }
        JsonObject json = readJson(dir.resolve("config.json"));
        TransformerConfig config = parseConfig(dir.resolve("config.json"), json, null);
        Map<String, HostTensor> raw = readTensors(dir);
        DType dtype = storedDtype(dir);
        config = withDtype(config, dtype == null ? config.dtype() : dtype.torchName());
        Map<String, HostTensor> tensors = canonicalNames(config, raw);
        Path tok = dir.resolve("tokenizer.json");
        TextTokenizer tokenizer = Files.exists(tok) ? HfTokenizer.load(tok, config) : null;
        return Transformer.create(name, config, tensors, tokenizer, device);
    }

    /** Returns the configuration in {@code dir}/config.json. */
    public static TransformerConfig readConfig(Path dir) {
        Path file = dir.resolve("config.json");
        return parseConfig(file, readJson(file), null);
    }

    private static JsonObject readJson(Path file) {
        if (!Files.exists(file)) {
            throw new MalformedCheckpointException(file, "missing: a Hugging Face model directory needs it");
        }
        try {
            JsonElement el = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!el.isJsonObject()) {
                throw new MalformedCheckpointException(file, "not a JSON object");
            }
            return el.getAsJsonObject();
        } catch (IOException | JsonParseException e) {
            throw new MalformedCheckpointException(file, "cannot parse: " + e.getMessage(), e);
        }
    }

    /** Returns the config described by a Hugging Face {@code config.json} object. */
    static TransformerConfig parseConfig(Path file, JsonObject c, String dtype) {
        String type = str(c, "model_type", "");
        String torchDtype = dtype != null ? dtype : str(c, "torch_dtype", "float32");
        try {
            return switch (type) {
                case "gpt2" -> {
                    int d = integer(c, "n_embd");
                    int heads = integer(c, "n_head");
                    int inner = c.has("n_inner") && !c.get("n_inner").isJsonNull() ? integer(c, "n_inner") : 4 * d;
                    String act = str(c, "activation_function", "gelu_new");
                    if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
                        throw new MalformedCheckpointException(file, "activation_function \"" + act
                                + "\" is not supported for gpt2 (supported: gelu_new)");
                    }
                    yield new TransformerConfig(Family.GPT2, integer(c, "vocab_size"), d, inner, integer(c, "n_layer"),
                            heads, heads, d / heads, integer(c, "n_positions"), dbl(c, "layer_norm_epsilon", 1e-5),
                            0, null, true, true, true, true, 0, intOr(c, "bos_token_id", -1),
                            intOr(c, "eos_token_id", -1), torchDtype);
                }
                case "llama", "qwen2", "mistral" -> {
                    Family family = Family.valueOf(type.toUpperCase(Locale.ROOT));
                    int d = integer(c, "hidden_size");
                    int heads = integer(c, "num_attention_heads");
                    int kv = intOr(c, "num_key_value_heads", heads);
                    int headDim = intOr(c, "head_dim", d / heads);
                    String act = str(c, "hidden_act", "silu");
                    if (!act.equals("silu")) {
                        throw new MalformedCheckpointException(file, "hidden_act \"" + act
                                + "\" is not supported (supported: silu)");
                    }
                    boolean attnBias = c.has("attention_bias") && c.get("attention_bias").getAsBoolean();
                    boolean qkvBias = family == Family.QWEN2 || attnBias;
                    int window = family == Family.LLAMA ? 0 : slidingWindow(c);
                    yield new TransformerConfig(family, integer(c, "vocab_size"), d, integer(c, "intermediate_size"),
                            integer(c, "num_hidden_layers"), heads, kv, headDim,
                            integer(c, "max_position_embeddings"), dbl(c, "rms_norm_eps", 1e-6),
                            dbl(c, "rope_theta", 10000.0), ropeScaling(file, c),
                            c.has("tie_word_embeddings") && c.get("tie_word_embeddings").getAsBoolean(),
                            qkvBias, attnBias && family == Family.LLAMA,
                            c.has("mlp_bias") && c.get("mlp_bias").getAsBoolean(), window,
                            intOr(c, "bos_token_id", -1), intOr(c, "eos_token_id", -1), torchDtype);
                }
                default -> throw new MalformedCheckpointException(file, "model_type \"" + type
                        + "\" is not supported (supported: gpt2, llama, qwen2, mistral)");
            };
        } catch (IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
            throw new MalformedCheckpointException(file, "bad value: " + e.getMessage(), e);
        }
    }

    private static int slidingWindow(JsonObject c) {
        if (c.has("use_sliding_window") && !c.get("use_sliding_window").getAsBoolean()) {
            return 0;
        }
        return c.has("sliding_window") && !c.get("sliding_window").isJsonNull() ? c.get("sliding_window").getAsInt() : 0;
    }

    private static RopeScaling ropeScaling(Path file, JsonObject c) {
        if (!c.has("rope_scaling") || c.get("rope_scaling").isJsonNull()) {
            return null;
        }
        JsonObject r = c.getAsJsonObject("rope_scaling");
        String type = str(r, "rope_type", str(r, "type", "default"));
        if (!List.of("linear", "llama3", "default").contains(type)) {
            throw new MalformedCheckpointException(file, "rope_scaling type \"" + type
                    + "\" is not supported (supported: linear, llama3)");
        }
        return new RopeScaling(type, dbl(r, "factor", 1.0), dbl(r, "low_freq_factor", 1.0),
                dbl(r, "high_freq_factor", 4.0), intOr(r, "original_max_position_embeddings", 8192));
    }

    private static String str(JsonObject c, String key, String fallback) {
        return c.has(key) && !c.get(key).isJsonNull() ? c.get(key).getAsString() : fallback;
    }

    private static int integer(JsonObject c, String key) {
        if (!c.has(key) || c.get(key).isJsonNull()) {
            throw new IllegalStateException("missing \"" + key + "\"");
        }
        return c.get(key).getAsInt();
    }

    private static int intOr(JsonObject c, String key, int fallback) {
        if (!c.has(key) || c.get(key).isJsonNull()) {
            return fallback;
        }
        JsonElement e = c.get(key);
        return e.isJsonArray() ? e.getAsJsonArray().get(0).getAsInt() : e.getAsInt();
    }

    private static double dbl(JsonObject c, String key, double fallback) {
        return c.has(key) && !c.get(key).isJsonNull() ? c.get(key).getAsDouble() : fallback;
    }

    private static TransformerConfig withDtype(TransformerConfig c, String dtype) {
        return new TransformerConfig(c.family(), c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.layers(),
                c.heads(), c.kvHeads(), c.headDim(), c.maxPositions(), c.normEps(), c.ropeTheta(), c.ropeScaling(),
                c.tieWordEmbeddings(), c.qkvBias(), c.outputBias(), c.mlpBias(), c.slidingWindow(), c.bosTokenId(),
                c.eosTokenId(), dtype);
    }

    /** Returns the safetensors files of {@code dir}: the single file, or the shards its index lists. */
    static List<Path> weightFiles(Path dir) {
        Path single = dir.resolve(WEIGHTS);
        Path index = dir.resolve(INDEX);
        if (Files.exists(index)) {
            JsonObject idx = readJson(index);
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
                    throw new MalformedCheckpointException(p, "missing shard listed in " + INDEX);
                }
                files.add(p);
            }
            return files;
        }
        if (Files.exists(single)) {
            return List.of(single);
        }
        throw new MalformedCheckpointException(dir, "no " + WEIGHTS + " and no " + INDEX
                + " (only safetensors checkpoints are read; convert .bin/.pt files first)");
    }

    private static Map<String, HostTensor> readTensors(Path dir) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        Map<String, String> mapped = null;
        Path index = dir.resolve(INDEX);
        if (Files.exists(index)) {
            mapped = new TreeMap<>();
            for (Map.Entry<String, JsonElement> e : readJson(index).getAsJsonObject("weight_map").entrySet()) {
                mapped.put(e.getKey(), e.getValue().getAsString());
            }
        }
        for (Path f : weightFiles(dir)) {
            try (SafetensorsFile st = SafetensorsFile.open(f)) {
                for (String name : st.tensors().keySet()) {
                    if (st.tensors().get(name).dtype() == DType.I64 || st.tensors().get(name).dtype() == DType.I32) {
                        continue; // buffers such as position ids
                    }
                    out.put(name, st.readFloat(name));
                }
            }
        }
        if (mapped != null) {
            for (String name : mapped.keySet()) {
                if (!out.containsKey(name) && !isBuffer(name)) {
                    throw new MalformedCheckpointException(dir.resolve(mapped.get(name)), "missing tensor \"" + name
                            + "\" that " + INDEX + " places in this shard");
                }
            }
        }
        return out;
    }

    private static DType storedDtype(Path dir) {
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

    /** Maps the names of a checkpoint onto the runtime's (GPT-2 without prefix, tied heads, buffers). */
    private static Map<String, HostTensor> canonicalNames(TransformerConfig config, Map<String, HostTensor> raw) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : raw.entrySet()) {
            String n = e.getKey();
            if (isBuffer(n)) {
                continue;
            }
            if (config.family() == Family.GPT2) {
                if (n.equals("lm_head.weight")) {
                    continue; // tied to transformer.wte.weight
                }
                if (!n.startsWith("transformer.")) {
                    n = "transformer." + n;
                }
            } else if (config.tieWordEmbeddings() && n.equals("lm_head.weight")) {
                continue;
            }
            out.put(n, e.getValue());
        }
        return out;
    }

    /** Writes {@code model} to {@code dir} as config.json, model.safetensors and tokenizer.json (when loaded). */
    public static void write(Transformer model, Path dir) throws IOException {
        write(model, dir, Long.MAX_VALUE);
    }

    /**
     * Writes {@code model} to {@code dir}; when the weights exceed {@code maxShardBytes} they are split into
     * {@code model-0000i-of-0000N.safetensors} files with a {@code model.safetensors.index.json}.
     */
    public static void write(Transformer model, Path dir, long maxShardBytes) throws IOException {
        Files.createDirectories(dir);
        Map<String, HostTensor> tensors = model.toHostTensors();
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
        Files.deleteIfExists(dir.resolve(WEIGHTS));
        Files.deleteIfExists(dir.resolve(INDEX));
        if (shards.size() == 1) {
            SafetensorsWriter.write(dir.resolve(WEIGHTS), shards.get(0), Map.of());
        } else {
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
            writeAtomically(dir.resolve(INDEX), GSON.toJson(index));
        }
        writeAtomically(dir.resolve("config.json"), GSON.toJson(configJson(model.config())));
        if (model.hasTokenizer() && model.tokenizer() instanceof HfTokenizer hf) {
            Files.copy(hf.source(), dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Returns the Hugging Face {@code config.json} object for {@code c}. */
    public static JsonObject configJson(TransformerConfig c) {
        JsonObject o = new JsonObject();
        if (c.family() == Family.GPT2) {
            o.addProperty("model_type", "gpt2");
            o.add("architectures", GSON.toJsonTree(List.of("GPT2LMHeadModel")));
            o.addProperty("vocab_size", c.vocabSize());
            o.addProperty("n_embd", c.hiddenSize());
            o.addProperty("n_layer", c.layers());
            o.addProperty("n_head", c.heads());
            o.addProperty("n_positions", c.maxPositions());
            o.addProperty("n_ctx", c.maxPositions());
            o.addProperty("n_inner", c.intermediateSize());
            o.addProperty("layer_norm_epsilon", c.normEps());
            o.addProperty("activation_function", "gelu_new");
        } else {
            String type = c.family().id();
            o.addProperty("model_type", type);
            String arch = switch (c.family()) {
                case QWEN2 -> "Qwen2ForCausalLM";
                case MISTRAL -> "MistralForCausalLM";
                default -> "LlamaForCausalLM";
            };
            o.add("architectures", GSON.toJsonTree(List.of(arch)));
            o.addProperty("vocab_size", c.vocabSize());
            o.addProperty("hidden_size", c.hiddenSize());
            o.addProperty("intermediate_size", c.intermediateSize());
            o.addProperty("num_hidden_layers", c.layers());
            o.addProperty("num_attention_heads", c.heads());
            o.addProperty("num_key_value_heads", c.kvHeads());
            o.addProperty("head_dim", c.headDim());
            o.addProperty("max_position_embeddings", c.maxPositions());
            o.addProperty("rms_norm_eps", c.normEps());
            o.addProperty("rope_theta", c.ropeTheta());
            if (c.ropeScaling() != null) {
                JsonObject r = new JsonObject();
                RopeScaling s = c.ropeScaling();
                r.addProperty("rope_type", s.type());
                r.addProperty("factor", s.factor());
                r.addProperty("low_freq_factor", s.lowFreqFactor());
                r.addProperty("high_freq_factor", s.highFreqFactor());
                r.addProperty("original_max_position_embeddings", s.originalMaxPositions());
                o.add("rope_scaling", r);
            }
            o.addProperty("tie_word_embeddings", c.tieWordEmbeddings());
            o.addProperty("hidden_act", "silu");
            if (c.family() == Family.LLAMA) {
                o.addProperty("attention_bias", c.qkvBias());
            }
            o.addProperty("mlp_bias", c.mlpBias());
            if (c.slidingWindow() > 0) {
                o.addProperty("sliding_window", c.slidingWindow());
                o.addProperty("use_sliding_window", true);
            }
        }
        if (c.bosTokenId() >= 0) {
            o.addProperty("bos_token_id", c.bosTokenId());
        }
        if (c.eosTokenId() >= 0) {
            o.addProperty("eos_token_id", c.eosTokenId());
        }
        o.addProperty("torch_dtype", "float32");
        return o;
    }

    /** Writes {@code text} to {@code file} through a temporary file and an atomic rename. */
    public static void writeAtomically(Path file, String text) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
