package dev.amend.runtime.io;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.amend.runtime.MalformedCheckpointException;
import dev.amend.runtime.model.Family;
import dev.amend.runtime.model.RopeScaling;
import dev.amend.runtime.model.TransformerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Hugging Face's {@code config.json}, read into a {@link TransformerConfig} (GPT-2, Llama, Qwen2 and Mistral, with
 * their defaults) and written back from one.
 */
final class HfConfig {
    private static final Gson GSON = new Gson();

    private HfConfig() {
    }

    /** Returns the JSON object in {@code file}; a missing, unreadable or non-object file is malformed. */
    static JsonObject readJson(Path file) {
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
    static TransformerConfig parse(Path file, JsonObject c, String dtype) {
        String type = str(c, "model_type", "");
        String torchDtype = dtype != null ? dtype : str(c, "torch_dtype", "float32");
        try {
            return switch (type) {
                case "gpt2" -> gpt2(file, c, torchDtype);
                case "llama", "qwen2", "mistral" -> llamaFamily(file, c, Family.valueOf(type.toUpperCase(Locale.ROOT)),
                        torchDtype);
                default -> throw new MalformedCheckpointException(file, "model_type \"" + type
                        + "\" is not supported (supported: gpt2, llama, qwen2, mistral)");
            };
        } catch (IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
            throw new MalformedCheckpointException(file, "bad value: " + e.getMessage(), e);
        }
    }

    private static TransformerConfig gpt2(Path file, JsonObject c, String torchDtype) {
        int d = integer(c, "n_embd");
        int heads = integer(c, "n_head");
        int inner = c.has("n_inner") && !c.get("n_inner").isJsonNull() ? integer(c, "n_inner") : 4 * d;
        String act = str(c, "activation_function", "gelu_new");
        if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
            throw new MalformedCheckpointException(file, "activation_function \"" + act
                    + "\" is not supported for gpt2 (supported: gelu_new)");
        }
        return new TransformerConfig(Family.GPT2, integer(c, "vocab_size"), d, inner, integer(c, "n_layer"),
                heads, heads, d / heads, integer(c, "n_positions"), dbl(c, "layer_norm_epsilon", 1e-5),
                0, null, true, true, true, true, 0, intOr(c, "bos_token_id", -1),
                intOr(c, "eos_token_id", -1), torchDtype);
    }

    private static TransformerConfig llamaFamily(Path file, JsonObject c, Family family, String torchDtype) {
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
        return new TransformerConfig(family, integer(c, "vocab_size"), d, integer(c, "intermediate_size"),
                integer(c, "num_hidden_layers"), heads, kv, headDim,
                integer(c, "max_position_embeddings"), dbl(c, "rms_norm_eps", 1e-6),
                dbl(c, "rope_theta", 10000.0), ropeScaling(file, c),
                c.has("tie_word_embeddings") && c.get("tie_word_embeddings").getAsBoolean(),
                qkvBias, attnBias && family == Family.LLAMA,
                c.has("mlp_bias") && c.get("mlp_bias").getAsBoolean(), window,
                intOr(c, "bos_token_id", -1), intOr(c, "eos_token_id", -1), torchDtype);
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

    /** Returns {@code c} with the weights' data type {@code dtype}. */
    static TransformerConfig withDtype(TransformerConfig c, String dtype) {
        return new TransformerConfig(c.family(), c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.layers(),
                c.heads(), c.kvHeads(), c.headDim(), c.maxPositions(), c.normEps(), c.ropeTheta(), c.ropeScaling(),
                c.tieWordEmbeddings(), c.qkvBias(), c.outputBias(), c.mlpBias(), c.slidingWindow(), c.bosTokenId(),
                c.eosTokenId(), dtype);
    }

    /** Returns the Hugging Face {@code config.json} object for {@code c}. */
    static JsonObject toJson(TransformerConfig c) {
        JsonObject o = c.family() == Family.GPT2 ? gpt2Json(c) : llamaFamilyJson(c);
        if (c.bosTokenId() >= 0) {
            o.addProperty("bos_token_id", c.bosTokenId());
        }
        if (c.eosTokenId() >= 0) {
            o.addProperty("eos_token_id", c.eosTokenId());
        }
        o.addProperty("torch_dtype", "float32");
        return o;
    }

    private static JsonObject gpt2Json(TransformerConfig c) {
        JsonObject o = new JsonObject();
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
        return o;
    }

    private static JsonObject llamaFamilyJson(TransformerConfig c) {
        JsonObject o = new JsonObject();
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
        return o;
    }
}
