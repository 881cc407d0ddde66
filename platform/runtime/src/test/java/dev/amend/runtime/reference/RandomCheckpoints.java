package dev.amend.runtime.reference;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.amend.runtime.safetensors.HostTensor;
import dev.amend.runtime.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Tiny random Hugging Face checkpoints: a {@code config.json} with Hugging Face field names and a
 * {@code model.safetensors} (float32) with Hugging Face weight names, from a seeded {@link Random}.
 *
 * <p>Matrices are N(0, 0.2²), biases N(0, 0.1²), norm weights 1 + N(0, 0.1²), so logits come out
 * O(1)–O(10) and a wrong detail anywhere shows up as a large difference.
 */
public final class RandomCheckpoints {
    private static final double MATRIX_STD = 0.2;
    private static final double BIAS_STD = 0.1;
    private static final double NORM_STD = 0.1;

    private RandomCheckpoints() {
    }

    /**
     * A checkpoint on disk together with what was written.
     *
     * @param dir     the directory
     * @param config  the {@code config.json} content
     * @param weights the tensors of {@code model.safetensors}
     */
    public record Checkpoint(Path dir, JsonObject config, Map<String, HostTensor> weights) {
        /** Returns the vocabulary size. */
        public int vocab() {
            return config.get("vocab_size").getAsInt();
        }

        /** Returns the reference logits of one sequence, [T][V]. */
        public double[][] referenceLogits(int[] ids) {
            return ReferenceTransformer.logits(config, weights, ids);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Configs (mutable: tests add or change fields before writing)
    // ---------------------------------------------------------------------------------------------

    /** Returns a GPT-2 config; {@code nInner} null means 4 d, as in Hugging Face. */
    public static JsonObject gpt2Config(int vocab, int d, int layers, int heads, int positions, Integer nInner) {
        JsonObject c = new JsonObject();
        c.addProperty("model_type", "gpt2");
        JsonArray arch = new JsonArray();
        arch.add("GPT2LMHeadModel");
        c.add("architectures", arch);
        c.addProperty("vocab_size", vocab);
        c.addProperty("n_embd", d);
        c.addProperty("n_layer", layers);
        c.addProperty("n_head", heads);
        c.addProperty("n_positions", positions);
        c.addProperty("n_ctx", positions);
        if (nInner == null) {
            c.add("n_inner", JsonNull.INSTANCE);
        } else {
            c.addProperty("n_inner", nInner);
        }
        c.addProperty("layer_norm_epsilon", 1e-5);
        c.addProperty("activation_function", "gelu_new");
        c.addProperty("bos_token_id", vocab - 1);
        c.addProperty("eos_token_id", vocab - 1);
        c.addProperty("tie_word_embeddings", true);
        c.addProperty("torch_dtype", "float32");
        return c;
    }

    /**
     * Returns a Llama-family config ({@code modelType} "llama", "qwen2" or "mistral") with no rope
     * scaling, untied head and no attention bias; tests change fields as needed.
     */
    public static JsonObject llamaConfig(String modelType, int vocab, int d, int ff, int layers, int heads,
                                         int kvHeads) {
        JsonObject c = new JsonObject();
        c.addProperty("model_type", modelType);
        JsonArray arch = new JsonArray();
        arch.add(switch (modelType) {
            case "llama" -> "LlamaForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            default -> throw new IllegalArgumentException(modelType);
        });
        c.add("architectures", arch);
        c.addProperty("vocab_size", vocab);
        c.addProperty("hidden_size", d);
        c.addProperty("intermediate_size", ff);
        c.addProperty("num_hidden_layers", layers);
        c.addProperty("num_attention_heads", heads);
        c.addProperty("num_key_value_heads", kvHeads);
        c.addProperty("max_position_embeddings", 256);
        c.addProperty("rms_norm_eps", 1e-5);
        c.addProperty("rope_theta", 10000.0);
        c.addProperty("tie_word_embeddings", false);
        c.addProperty("attention_bias", false);
        c.addProperty("hidden_act", "silu");
        c.addProperty("bos_token_id", 1);
        c.addProperty("eos_token_id", 2);
        c.addProperty("torch_dtype", "float32");
        return c;
    }

    /** Returns a llama3 {@code rope_scaling} object (as in Llama 3.1 configs, keyed {@code rope_type}). */
    public static JsonObject llama3Scaling(double factor, double lowFreqFactor, double highFreqFactor,
                                           int originalMaxPositions) {
        JsonObject s = new JsonObject();
        s.addProperty("factor", factor);
        s.addProperty("low_freq_factor", lowFreqFactor);
        s.addProperty("high_freq_factor", highFreqFactor);
        s.addProperty("original_max_position_embeddings", originalMaxPositions);
        s.addProperty("rope_type", "llama3");
        return s;
    }

    /** Returns a linear {@code rope_scaling} object (older configs, keyed {@code type}). */
    public static JsonObject linearScaling(double factor) {
        JsonObject s = new JsonObject();
        s.addProperty("type", "linear");
        s.addProperty("factor", factor);
        return s;
    }

    // ---------------------------------------------------------------------------------------------
    // Weights and files
    // ---------------------------------------------------------------------------------------------

    /** Draws random weights for {@code config} and writes config.json and model.safetensors into {@code dir}. */
    public static Checkpoint write(Path dir, JsonObject config, long seed) {
        Map<String, HostTensor> weights = randomWeights(config, new Random(seed));
        writeConfig(dir, config);
        try {
            SafetensorsWriter.write(dir.resolve("model.safetensors"), weights, Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Checkpoint(dir, config, weights);
    }

    /** Writes {@code config} as {@code dir/config.json}. */
    public static void writeConfig(Path dir, JsonObject config) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"),
                    new GsonBuilder().serializeNulls().setPrettyPrinting().create().toJson(config),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns random weights, by Hugging Face name, for {@code config}. */
    public static Map<String, HostTensor> randomWeights(JsonObject config, Random rnd) {
        String type = config.get("model_type").getAsString();
        return type.equals("gpt2") ? gpt2Weights(config, rnd) : llamaWeights(type, config, rnd);
    }

    private static Map<String, HostTensor> gpt2Weights(JsonObject c, Random rnd) {
        int v = c.get("vocab_size").getAsInt();
        int d = c.get("n_embd").getAsInt();
        int layers = c.get("n_layer").getAsInt();
        int positions = c.get("n_positions").getAsInt();
        int ff = c.get("n_inner").isJsonNull() ? 4 * d : c.get("n_inner").getAsInt();
        Map<String, HostTensor> w = new LinkedHashMap<>();
        w.put("transformer.wte.weight", matrix(rnd, v, d));
        w.put("transformer.wpe.weight", matrix(rnd, positions, d));
        for (int l = 0; l < layers; l++) {
            String p = "transformer.h." + l + ".";
            w.put(p + "ln_1.weight", norm(rnd, d));
            w.put(p + "ln_1.bias", bias(rnd, d));
            w.put(p + "attn.c_attn.weight", matrix(rnd, d, 3 * d));   // Conv1D: [in, out]
            w.put(p + "attn.c_attn.bias", bias(rnd, 3 * d));
            w.put(p + "attn.c_proj.weight", matrix(rnd, d, d));
            w.put(p + "attn.c_proj.bias", bias(rnd, d));
            w.put(p + "ln_2.weight", norm(rnd, d));
            w.put(p + "ln_2.bias", bias(rnd, d));
            w.put(p + "mlp.c_fc.weight", matrix(rnd, d, ff));
            w.put(p + "mlp.c_fc.bias", bias(rnd, ff));
            w.put(p + "mlp.c_proj.weight", matrix(rnd, ff, d));
            w.put(p + "mlp.c_proj.bias", bias(rnd, d));
        }
        w.put("transformer.ln_f.weight", norm(rnd, d));
        w.put("transformer.ln_f.bias", bias(rnd, d));
        return w;
    }

    private static Map<String, HostTensor> llamaWeights(String type, JsonObject c, Random rnd) {
        int v = c.get("vocab_size").getAsInt();
        int d = c.get("hidden_size").getAsInt();
        int ff = c.get("intermediate_size").getAsInt();
        int layers = c.get("num_hidden_layers").getAsInt();
        int heads = c.get("num_attention_heads").getAsInt();
        int kvHeads = c.get("num_key_value_heads").getAsInt();
        int hd = c.has("head_dim") ? c.get("head_dim").getAsInt() : d / heads;
        boolean attentionBias = c.has("attention_bias") && c.get("attention_bias").getAsBoolean();
        boolean mlpBias = c.has("mlp_bias") && c.get("mlp_bias").getAsBoolean();
        boolean qkvBias = type.equals("qwen2") || (type.equals("llama") && attentionBias);
        boolean oBias = type.equals("llama") && attentionBias;
        boolean ffBias = type.equals("llama") && mlpBias;
        boolean tied = c.get("tie_word_embeddings").getAsBoolean();
        Map<String, HostTensor> w = new LinkedHashMap<>();
        w.put("model.embed_tokens.weight", matrix(rnd, v, d));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            w.put(p + "input_layernorm.weight", norm(rnd, d));
            w.put(p + "self_attn.q_proj.weight", matrix(rnd, heads * hd, d));   // nn.Linear: [out, in]
            w.put(p + "self_attn.k_proj.weight", matrix(rnd, kvHeads * hd, d));
            w.put(p + "self_attn.v_proj.weight", matrix(rnd, kvHeads * hd, d));
            w.put(p + "self_attn.o_proj.weight", matrix(rnd, d, heads * hd));
            if (qkvBias) {
                w.put(p + "self_attn.q_proj.bias", bias(rnd, heads * hd));
                w.put(p + "self_attn.k_proj.bias", bias(rnd, kvHeads * hd));
                w.put(p + "self_attn.v_proj.bias", bias(rnd, kvHeads * hd));
            }
            if (oBias) {
                w.put(p + "self_attn.o_proj.bias", bias(rnd, d));
            }
            w.put(p + "post_attention_layernorm.weight", norm(rnd, d));
            w.put(p + "mlp.gate_proj.weight", matrix(rnd, ff, d));
            w.put(p + "mlp.up_proj.weight", matrix(rnd, ff, d));
            w.put(p + "mlp.down_proj.weight", matrix(rnd, d, ff));
            if (ffBias) {
                w.put(p + "mlp.gate_proj.bias", bias(rnd, ff));
                w.put(p + "mlp.up_proj.bias", bias(rnd, ff));
                w.put(p + "mlp.down_proj.bias", bias(rnd, d));
            }
        }
        w.put("model.norm.weight", norm(rnd, d));
        if (!tied) {
            w.put("lm_head.weight", matrix(rnd, v, d));
        }
        return w;
    }

    private static HostTensor matrix(Random rnd, int rows, int cols) {
        return HostTensor.of(gaussian(rnd, rows * cols, 0, MATRIX_STD), rows, cols);
    }

    private static HostTensor bias(Random rnd, int n) {
        return HostTensor.of(gaussian(rnd, n, 0, BIAS_STD), n);
    }

    private static HostTensor norm(Random rnd, int n) {
        return HostTensor.of(gaussian(rnd, n, 1, NORM_STD), n);
    }

    private static float[] gaussian(Random rnd, int n, double mean, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (mean + std * rnd.nextGaussian());
        }
        return a;
    }

    /** Returns {@code n} random token ids below {@code vocab}. */
    public static int[] randomIds(Random rnd, int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rnd.nextInt(vocab);
        }
        return ids;
    }
}
