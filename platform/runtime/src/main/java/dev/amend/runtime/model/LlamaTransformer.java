package dev.amend.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.TextTokenizer;
import dev.amend.spi.model.WeightLayout;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Llama family (Llama 2/3, Qwen2, Mistral): RMSNorm, rotary positions in the rotate-half layout
 * (with {@code rope_theta} and llama3/linear scaling), grouped-query attention, SwiGLU, optional
 * q/k/v biases. Linear maps are stored [out, in]; the edit point is {@code model.layers.{l}.mlp.down_proj}.
 */
final class LlamaTransformer extends Transformer {
    private final double[] invFreq;

    LlamaTransformer(String name, TransformerConfig config, WeightSource source, TextTokenizer tokenizer,
                     Residency residency) {
        super(name, config, source, tokenizer, residency);
        this.invFreq = RotaryFrequencies.inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling());
    }

    private static String p(int l, String rest) {
        return "model.layers." + l + "." + rest;
    }

    @Override
    protected Map<String, long[]> expectedWeights() {
        return shapes(config);
    }

    /** Returns every weight name of {@code config} with its stored shape. */
    static Map<String, long[]> shapes(TransformerConfig config) {
        long d = config.hiddenSize();
        long ff = config.intermediateSize();
        long q = (long) config.heads() * config.headDim();
        long kv = (long) config.kvHeads() * config.headDim();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("model.embed_tokens.weight", new long[] {config.vocabSize(), d});
        for (int l = 0; l < config.layers(); l++) {
            m.put(p(l, "input_layernorm.weight"), new long[] {d});
            m.put(p(l, "self_attn.q_proj.weight"), new long[] {q, d});
            m.put(p(l, "self_attn.k_proj.weight"), new long[] {kv, d});
            m.put(p(l, "self_attn.v_proj.weight"), new long[] {kv, d});
            m.put(p(l, "self_attn.o_proj.weight"), new long[] {d, q});
            if (config.qkvBias()) {
                m.put(p(l, "self_attn.q_proj.bias"), new long[] {q});
                m.put(p(l, "self_attn.k_proj.bias"), new long[] {kv});
                m.put(p(l, "self_attn.v_proj.bias"), new long[] {kv});
            }
            if (config.outputBias()) {
                m.put(p(l, "self_attn.o_proj.bias"), new long[] {d});
            }
            m.put(p(l, "post_attention_layernorm.weight"), new long[] {d});
            m.put(p(l, "mlp.gate_proj.weight"), new long[] {ff, d});
            m.put(p(l, "mlp.up_proj.weight"), new long[] {ff, d});
            m.put(p(l, "mlp.down_proj.weight"), new long[] {d, ff});
            if (config.mlpBias()) {
                m.put(p(l, "mlp.gate_proj.bias"), new long[] {ff});
                m.put(p(l, "mlp.up_proj.bias"), new long[] {ff});
                m.put(p(l, "mlp.down_proj.bias"), new long[] {d});
            }
        }
        m.put("model.norm.weight", new long[] {d});
        if (!config.tieWordEmbeddings()) {
            m.put("lm_head.weight", new long[] {config.vocabSize(), d});
        }
        return m;
    }

    @Override
    protected EditPoint editPoint(int layer) {
        return new EditPoint(layer, p(layer, "mlp.down_proj"), p(layer, "mlp.down_proj.weight"), WeightLayout.OUT_IN,
                config.intermediateSize(), config.hiddenSize());
    }

    @Override
    protected NDArray embed(NDArray ids, int offset) {
        return rows("model.embed_tokens.weight", ids);                                    // [B, T, d]
    }

    private NDArray rmsNorm(NDArray x, String weight) {
        NDArray ms = x.square().mean(new int[] {-1}, true);                               // [B, T, 1]
        return x.div(ms.add(config.normEps()).sqrt()).mul(w(weight));
    }

    private String bias(int l, String proj) {
        return config.qkvBias() ? p(l, "self_attn." + proj + ".bias") : null;
    }

    @Override
    protected NDArray attention(int l, NDArray x, int offset, KvCache cache, NDArray mask) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int hd = config.headDim();
        NDArray h = rmsNorm(x, p(l, "input_layernorm.weight"));
        NDArray q = linear(h, p(l, "self_attn.q_proj.weight"), bias(l, "q_proj"))
                .reshape(b, t, config.heads(), hd).transpose(0, 2, 1, 3);                // [B, H, T, hd]
        NDArray k = linear(h, p(l, "self_attn.k_proj.weight"), bias(l, "k_proj"))
                .reshape(b, t, config.kvHeads(), hd).transpose(0, 2, 1, 3);              // [B, kvH, T, hd]
        NDArray v = linear(h, p(l, "self_attn.v_proj.weight"), bias(l, "v_proj"))
                .reshape(b, t, config.kvHeads(), hd).transpose(0, 2, 1, 3);              // [B, kvH, T, hd]
        NDArray[] cs = rotary(offset, (int) t, x);
        q = rotate(q, cs[0], cs[1]);
        k = rotate(k, cs[0], cs[1]);
        if (cache != null) {
            NDArray[] kv = cache.append(k, v);
            k = kv[0];
            v = kv[1];
        }
        NDArray ctx = attend(q, k, v, mask);                                              // [B, T, H*hd]
        return linear(ctx, p(l, "self_attn.o_proj.weight"),
                config.outputBias() ? p(l, "self_attn.o_proj.bias") : null);              // [B, T, d]
    }

    /** Returns cos and sin [T, hd] for positions offset..offset+T-1 (frequencies repeated twice). */
    private NDArray[] rotary(int offset, int t, NDArray like) {
        int hd = config.headDim();
        int half = hd / 2;
        float[] cos = new float[t * hd];
        float[] sin = new float[t * hd];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < half; j++) {
                double angle = (double) (offset + i) * invFreq[j];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[i * hd + j] = c;
                cos[i * hd + j + half] = c;
                sin[i * hd + j] = s;
                sin[i * hd + j + half] = s;
            }
        }
        return new NDArray[] {constant(cos, new Shape(t, hd), like.getDevice()),
            constant(sin, new Shape(t, hd), like.getDevice())};
    }

    /** Applies RoPE in the rotate-half layout: {@code x cos + rotate_half(x) sin}. */
    private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        long half = x.getShape().get(3) / 2;
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    @Override
    protected NDArray mlpKey(int l, NDArray x) {
        NDArray h = rmsNorm(x, p(l, "post_attention_layernorm.weight"));
        NDArray gate = linear(h, p(l, "mlp.gate_proj.weight"), config.mlpBias() ? p(l, "mlp.gate_proj.bias") : null);
        NDArray up = linear(h, p(l, "mlp.up_proj.weight"), config.mlpBias() ? p(l, "mlp.up_proj.bias") : null);
        // SiLU as x·σ(x): DJL's swish multiplies by β as a number, which breaks the backward pass (see Scalars)
        return gate.mul(Activation.sigmoid(gate)).mul(up);                                 // [B, T, ff]
    }

    @Override
    protected NDArray mlpOut(int l, NDArray key) {
        return linear(key, p(l, "mlp.down_proj.weight"), config.mlpBias() ? p(l, "mlp.down_proj.bias") : null);
    }

    @Override
    protected NDArray head(NDArray x) {
        NDArray h = rmsNorm(x, "model.norm.weight");
        String out = config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
        return project(h, out);                                                           // [B, T, V]
    }
}
