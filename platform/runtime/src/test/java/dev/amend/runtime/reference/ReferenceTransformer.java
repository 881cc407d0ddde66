package dev.amend.runtime.reference;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.amend.runtime.safetensors.HostTensor;
import java.util.Arrays;
import java.util.Map;

/**
 * An independent, deliberately naive double-precision forward pass of the Hugging Face causal language
 * models the runtime implements, used as ground truth by the tests.
 *
 * <p>Written from the Hugging Face {@code transformers} semantics ({@code GPT2LMHeadModel},
 * {@code LlamaForCausalLM}, {@code Qwen2ForCausalLM}, {@code MistralForCausalLM}), not from the
 * runtime's code: every value is a {@code double}, every product is a plain loop, one sequence at a
 * time, no caching, no batching. It reads the same {@code config.json} fields and weight names as a
 * Hugging Face checkpoint.
 *
 * <p>Layouts: GPT-2's {@code Conv1D} weights are stored [in, out] and compute {@code y = x W + b};
 * the Llama family's {@code nn.Linear} weights are stored [out, in] and compute {@code y = W x + b}.
 */
public final class ReferenceTransformer {
    private ReferenceTransformer() {
    }

    /**
     * Returns the logits of one sequence.
     *
     * @param config  the checkpoint's {@code config.json}
     * @param weights the checkpoint's tensors by Hugging Face name (float32 values, shapes as stored)
     * @param ids     token ids of the sequence
     * @return logits, [T][V]
     */
    public static double[][] logits(JsonObject config, Map<String, HostTensor> weights, int[] ids) {
        String type = config.get("model_type").getAsString();
        return switch (type) {
            case "gpt2" -> gpt2(config, weights, ids);
            case "llama", "qwen2", "mistral" -> llama(type, config, weights, ids);
            default -> throw new IllegalArgumentException("reference has no model_type " + type);
        };
    }

    // ---------------------------------------------------------------------------------------------
    // GPT-2
    // ---------------------------------------------------------------------------------------------

    private static double[][] gpt2(JsonObject c, Map<String, HostTensor> w, int[] ids) {
        int d = c.get("n_embd").getAsInt();
        int heads = c.get("n_head").getAsInt();
        int layers = c.get("n_layer").getAsInt();
        int vocab = c.get("vocab_size").getAsInt();
        int positions = c.get("n_positions").getAsInt();
        int ff = isSet(c, "n_inner") ? c.get("n_inner").getAsInt() : 4 * d;
        double eps = isSet(c, "layer_norm_epsilon") ? c.get("layer_norm_epsilon").getAsDouble() : 1e-5;
        String act = isSet(c, "activation_function") ? c.get("activation_function").getAsString() : "gelu_new";
        if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
            throw new IllegalArgumentException("reference implements only gelu_new, not " + act);
        }
        int hd = d / heads;
        int n = ids.length;

        HostTensor wte = need(w, "transformer.wte.weight", vocab, d);
        HostTensor wpe = need(w, "transformer.wpe.weight", positions, d);
        double[][] x = new double[n][];
        for (int t = 0; t < n; t++) {
            x[t] = add(row(wte, ids[t]), row(wpe, t));
        }

        for (int l = 0; l < layers; l++) {
            String p = "transformer.h." + l + ".";
            HostTensor ln1w = need(w, p + "ln_1.weight", d);
            HostTensor ln1b = need(w, p + "ln_1.bias", d);
            HostTensor attnW = need(w, p + "attn.c_attn.weight", d, 3 * d);
            HostTensor attnB = need(w, p + "attn.c_attn.bias", 3 * d);
            HostTensor projW = need(w, p + "attn.c_proj.weight", d, d);
            HostTensor projB = need(w, p + "attn.c_proj.bias", d);
            HostTensor ln2w = need(w, p + "ln_2.weight", d);
            HostTensor ln2b = need(w, p + "ln_2.bias", d);
            HostTensor fcW = need(w, p + "mlp.c_fc.weight", d, ff);
            HostTensor fcB = need(w, p + "mlp.c_fc.bias", ff);
            HostTensor fc2W = need(w, p + "mlp.c_proj.weight", ff, d);
            HostTensor fc2B = need(w, p + "mlp.c_proj.bias", d);

            // attention: q, k, v are the three consecutive thirds of c_attn's output
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] qkv = conv1d(attnW, attnB, layerNorm(x[t], ln1w, ln1b, eps));
                q[t] = Arrays.copyOfRange(qkv, 0, d);
                k[t] = Arrays.copyOfRange(qkv, d, 2 * d);
                v[t] = Arrays.copyOfRange(qkv, 2 * d, 3 * d);
            }
            double[][] a = attention(q, k, v, heads, heads, hd, 0);
            for (int t = 0; t < n; t++) {
                x[t] = add(x[t], conv1d(projW, projB, a[t]));
            }

            // MLP
            for (int t = 0; t < n; t++) {
                double[] h = conv1d(fcW, fcB, layerNorm(x[t], ln2w, ln2b, eps));
                for (int i = 0; i < h.length; i++) {
                    h[i] = geluNew(h[i]);
                }
                x[t] = add(x[t], conv1d(fc2W, fc2B, h));
            }
        }

        HostTensor lnfw = need(w, "transformer.ln_f.weight", d);
        HostTensor lnfb = need(w, "transformer.ln_f.bias", d);
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) {
            out[t] = linear(wte, null, layerNorm(x[t], lnfw, lnfb, eps)); // head tied to wte
        }
        return out;
    }

    /** GPT-2's {@code gelu_new}: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    static double geluNew(double x) {
        return 0.5 * x * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    // ---------------------------------------------------------------------------------------------
    // Llama, Qwen2, Mistral
    // ---------------------------------------------------------------------------------------------

    private static double[][] llama(String type, JsonObject c, Map<String, HostTensor> w, int[] ids) {
        int d = c.get("hidden_size").getAsInt();
        int ff = c.get("intermediate_size").getAsInt();
        int layers = c.get("num_hidden_layers").getAsInt();
        int heads = c.get("num_attention_heads").getAsInt();
        int kvHeads = isSet(c, "num_key_value_heads") ? c.get("num_key_value_heads").getAsInt() : heads;
        int hd = isSet(c, "head_dim") ? c.get("head_dim").getAsInt() : d / heads;
        int vocab = c.get("vocab_size").getAsInt();
        double eps = isSet(c, "rms_norm_eps") ? c.get("rms_norm_eps").getAsDouble() : 1e-6;
        boolean tied = isSet(c, "tie_word_embeddings") && c.get("tie_word_embeddings").getAsBoolean();
        boolean attentionBias = isSet(c, "attention_bias") && c.get("attention_bias").getAsBoolean();
        boolean mlpBias = isSet(c, "mlp_bias") && c.get("mlp_bias").getAsBoolean();
        // Which projections carry biases, as in the Hugging Face modules.
        boolean qkvBias = switch (type) {
            case "qwen2" -> true;             // Qwen2Attention: q/k/v always biased, o never
            case "llama" -> attentionBias;    // LlamaAttention: attention_bias biases q, k, v and o
            default -> false;                 // MistralAttention: no biases
        };
        boolean oBias = type.equals("llama") && attentionBias;
        boolean ffBias = type.equals("llama") && mlpBias;
        // Mistral's sliding window: query i sees key j iff 0 <= i - j < window.
        int window = type.equals("mistral") && isSet(c, "sliding_window") ? c.get("sliding_window").getAsInt() : 0;
        double[] invFreq = ropeInverseFrequencies(c, hd);
        int n = ids.length;

        HostTensor embed = need(w, "model.embed_tokens.weight", vocab, d);
        double[][] x = new double[n][];
        for (int t = 0; t < n; t++) {
            x[t] = row(embed, ids[t]);
        }

        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            HostTensor inNorm = need(w, p + "input_layernorm.weight", d);
            HostTensor qW = need(w, p + "self_attn.q_proj.weight", heads * hd, d);
            HostTensor kW = need(w, p + "self_attn.k_proj.weight", kvHeads * hd, d);
            HostTensor vW = need(w, p + "self_attn.v_proj.weight", kvHeads * hd, d);
            HostTensor oW = need(w, p + "self_attn.o_proj.weight", d, heads * hd);
            HostTensor qB = qkvBias ? need(w, p + "self_attn.q_proj.bias", heads * hd) : null;
            HostTensor kB = qkvBias ? need(w, p + "self_attn.k_proj.bias", kvHeads * hd) : null;
            HostTensor vB = qkvBias ? need(w, p + "self_attn.v_proj.bias", kvHeads * hd) : null;
            HostTensor oB = oBias ? need(w, p + "self_attn.o_proj.bias", d) : null;
            HostTensor postNorm = need(w, p + "post_attention_layernorm.weight", d);
            HostTensor gateW = need(w, p + "mlp.gate_proj.weight", ff, d);
            HostTensor upW = need(w, p + "mlp.up_proj.weight", ff, d);
            HostTensor downW = need(w, p + "mlp.down_proj.weight", d, ff);
            HostTensor gateB = ffBias ? need(w, p + "mlp.gate_proj.bias", ff) : null;
            HostTensor upB = ffBias ? need(w, p + "mlp.up_proj.bias", ff) : null;
            HostTensor downB = ffBias ? need(w, p + "mlp.down_proj.bias", d) : null;

            // attention
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] h = rmsNorm(x[t], inNorm, eps);
                q[t] = rope(linear(qW, qB, h), heads, hd, t, invFreq);
                k[t] = rope(linear(kW, kB, h), kvHeads, hd, t, invFreq);
                v[t] = linear(vW, vB, h);
            }
            double[][] a = attention(q, k, v, heads, kvHeads, hd, window);
            for (int t = 0; t < n; t++) {
                x[t] = add(x[t], linear(oW, oB, a[t]));
            }

            // SwiGLU MLP: down(silu(gate(h)) * up(h))
            for (int t = 0; t < n; t++) {
                double[] h = rmsNorm(x[t], postNorm, eps);
                double[] g = linear(gateW, gateB, h);
                double[] u = linear(upW, upB, h);
                for (int i = 0; i < ff; i++) {
                    g[i] = silu(g[i]) * u[i];
                }
                x[t] = add(x[t], linear(downW, downB, g));
            }
        }

        HostTensor norm = need(w, "model.norm.weight", d);
        HostTensor head = tied ? embed : need(w, "lm_head.weight", vocab, d);
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) {
            out[t] = linear(head, null, rmsNorm(x[t], norm, eps));
        }
        return out;
    }

    static double silu(double x) {
        return x / (1.0 + Math.exp(-x));
    }

    /**
     * Returns RoPE's inverse frequencies {@code theta^(-2j/hd)}, j < hd/2, after {@code rope_scaling}
     * ({@code linear}: divided by the factor; {@code llama3}: the three-band rule of Llama 3.1).
     */
    static double[] ropeInverseFrequencies(JsonObject c, int hd) {
        double theta = isSet(c, "rope_theta") ? c.get("rope_theta").getAsDouble() : 10000.0;
        double[] inv = new double[hd / 2];
        for (int j = 0; j < hd / 2; j++) {
            inv[j] = 1.0 / Math.pow(theta, (2.0 * j) / hd);
        }
        if (!isSet(c, "rope_scaling")) {
            return inv;
        }
        JsonObject s = c.getAsJsonObject("rope_scaling");
        String kind = isSet(s, "rope_type") ? s.get("rope_type").getAsString() : s.get("type").getAsString();
        double factor = s.get("factor").getAsDouble();
        switch (kind) {
            case "linear" -> {
                for (int j = 0; j < inv.length; j++) {
                    inv[j] = inv[j] / factor;
                }
            }
            case "llama3" -> {
                double low = s.get("low_freq_factor").getAsDouble();
                double high = s.get("high_freq_factor").getAsDouble();
                double orig = s.get("original_max_position_embeddings").getAsDouble();
                double lowFreqWavelen = orig / low;
                double highFreqWavelen = orig / high;
                for (int j = 0; j < inv.length; j++) {
                    double wavelen = 2 * Math.PI / inv[j];
                    if (wavelen < highFreqWavelen) {
                        continue;                                   // high frequency: kept
                    } else if (wavelen > lowFreqWavelen) {
                        inv[j] = inv[j] / factor;                   // low frequency: scaled
                    } else {
                        double smooth = (orig / wavelen - low) / (high - low);
                        inv[j] = (1 - smooth) * inv[j] / factor + smooth * inv[j];
                    }
                }
            }
            default -> throw new IllegalArgumentException("reference has no rope_scaling type " + kind);
        }
        return inv;
    }

    /**
     * Rotates each head of {@code x} (rotate_half convention: dimension j pairs with j + hd/2) by the
     * angles {@code pos * invFreq[j]}: {@code x*cos + rotate_half(x)*sin}, rotate_half(x) = [-x2, x1].
     */
    static double[] rope(double[] x, int heads, int hd, int pos, double[] invFreq) {
        double[] y = new double[x.length];
        int half = hd / 2;
        for (int h = 0; h < heads; h++) {
            int o = h * hd;
            for (int j = 0; j < half; j++) {
                double angle = pos * invFreq[j];
                double cos = Math.cos(angle);
                double sin = Math.sin(angle);
                double x1 = x[o + j];
                double x2 = x[o + j + half];
                y[o + j] = x1 * cos - x2 * sin;
                y[o + j + half] = x2 * cos + x1 * sin;
            }
        }
        return y;
    }

    // ---------------------------------------------------------------------------------------------
    // Shared pieces
    // ---------------------------------------------------------------------------------------------

    /**
     * Causal multi-head attention with grouped key/value heads: query head h reads key/value head
     * {@code h / (heads / kvHeads)}; scores scaled by 1/sqrt(hd); query i sees keys j <= i (and, when
     * {@code window > 0}, only those with i - j < window).
     *
     * @return the heads' outputs concatenated, [T][heads*hd]
     */
    static double[][] attention(double[][] q, double[][] k, double[][] v, int heads, int kvHeads, int hd,
                                int window) {
        int n = q.length;
        int group = heads / kvHeads;
        double scale = 1.0 / Math.sqrt(hd);
        double[][] out = new double[n][heads * hd];
        for (int h = 0; h < heads; h++) {
            int qo = h * hd;
            int kvo = (h / group) * hd;
            for (int i = 0; i < n; i++) {
                int first = window > 0 ? Math.max(0, i - window + 1) : 0;
                double[] s = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = first; j <= i; j++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) {
                        dot += q[i][qo + e] * k[j][kvo + e];
                    }
                    s[j] = dot * scale;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = first; j <= i; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int j = first; j <= i; j++) {
                    double p = s[j] / sum;
                    for (int e = 0; e < hd; e++) {
                        out[i][qo + e] += p * v[j][kvo + e];
                    }
                }
            }
        }
        return out;
    }

    /** LayerNorm: (x - mean) / sqrt(var + eps) * w + b, biased variance. */
    static double[] layerNorm(double[] x, HostTensor w, HostTensor b, double eps) {
        int d = x.length;
        double mean = 0;
        for (double xi : x) {
            mean += xi;
        }
        mean /= d;
        double var = 0;
        for (double xi : x) {
            var += (xi - mean) * (xi - mean);
        }
        var /= d;
        double inv = 1.0 / Math.sqrt(var + eps);
        double[] y = new double[d];
        for (int i = 0; i < d; i++) {
            y[i] = (x[i] - mean) * inv * w.data()[i] + b.data()[i];
        }
        return y;
    }

    /** RMSNorm: x / sqrt(mean(x^2) + eps) * w. */
    static double[] rmsNorm(double[] x, HostTensor w, double eps) {
        int d = x.length;
        double ms = 0;
        for (double xi : x) {
            ms += xi * xi;
        }
        ms /= d;
        double inv = 1.0 / Math.sqrt(ms + eps);
        double[] y = new double[d];
        for (int i = 0; i < d; i++) {
            y[i] = x[i] * inv * w.data()[i];
        }
        return y;
    }

    /** {@code nn.Linear}: weight stored [out, in], y = W x + b (b may be null). */
    static double[] linear(HostTensor w, HostTensor b, double[] x) {
        int out = (int) w.shape()[0];
        int in = (int) w.shape()[1];
        if (in != x.length) {
            throw new IllegalArgumentException("linear: weight " + Arrays.toString(w.shape()) + " for input " + x.length);
        }
        float[] a = w.data();
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b == null ? 0 : b.data()[o];
            for (int i = 0; i < in; i++) {
                s += a[o * in + i] * x[i];
            }
            y[o] = s;
        }
        return y;
    }

    /** GPT-2's {@code Conv1D}: weight stored [in, out], y = x W + b. */
    static double[] conv1d(HostTensor w, HostTensor b, double[] x) {
        int in = (int) w.shape()[0];
        int out = (int) w.shape()[1];
        if (in != x.length) {
            throw new IllegalArgumentException("conv1d: weight " + Arrays.toString(w.shape()) + " for input " + x.length);
        }
        float[] a = w.data();
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b.data()[o];
            for (int i = 0; i < in; i++) {
                s += x[i] * a[i * out + o];
            }
            y[o] = s;
        }
        return y;
    }

    private static double[] row(HostTensor t, int r) {
        int cols = (int) t.shape()[1];
        if (r < 0 || r >= t.shape()[0]) {
            throw new IllegalArgumentException("row " + r + " outside " + Arrays.toString(t.shape()));
        }
        double[] y = new double[cols];
        for (int i = 0; i < cols; i++) {
            y[i] = t.data()[r * cols + i];
        }
        return y;
    }

    private static double[] add(double[] a, double[] b) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = a[i] + b[i];
        }
        return y;
    }

    /** Returns the named weight, checking that it exists with exactly the given shape. */
    private static HostTensor need(Map<String, HostTensor> w, String name, long... shape) {
        HostTensor t = w.get(name);
        if (t == null) {
            throw new IllegalArgumentException("reference: missing weight " + name);
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("reference: " + name + " has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return t;
    }

    private static boolean isSet(JsonObject c, String key) {
        JsonElement e = c.get(key);
        return e != null && !e.isJsonNull();
    }
}
