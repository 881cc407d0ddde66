package dev.amend.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;
import dev.amend.kit.Scalars;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.TextTokenizer;
import dev.amend.spi.model.WeightLayout;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GPT-2: learned positions, pre-LayerNorm blocks, fused q/k/v, GELU (tanh form), tied head. All
 * linear maps are {@code Conv1D}, stored [in, out]; the edit point is {@code transformer.h.{l}.mlp.c_proj}.
 */
final class Gpt2Transformer extends Transformer {

    Gpt2Transformer(String name, TransformerConfig config, WeightSource source, TextTokenizer tokenizer,
                    Residency residency) {
        super(name, config, source, tokenizer, residency);
    }

    private static String h(int l, String rest) {
        return "transformer.h." + l + "." + rest;
    }

    @Override
    protected Map<String, long[]> expectedWeights() {
        return shapes(config);
    }

    /** Returns every weight name of {@code config} with its stored shape. */
    static Map<String, long[]> shapes(TransformerConfig config) {
        long d = config.hiddenSize();
        long ff = config.intermediateSize();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("transformer.wte.weight", new long[] {config.vocabSize(), d});
        m.put("transformer.wpe.weight", new long[] {config.maxPositions(), d});
        for (int l = 0; l < config.layers(); l++) {
            m.put(h(l, "ln_1.weight"), new long[] {d});
            m.put(h(l, "ln_1.bias"), new long[] {d});
            m.put(h(l, "attn.c_attn.weight"), new long[] {d, 3 * d});
            m.put(h(l, "attn.c_attn.bias"), new long[] {3 * d});
            m.put(h(l, "attn.c_proj.weight"), new long[] {d, d});
            m.put(h(l, "attn.c_proj.bias"), new long[] {d});
            m.put(h(l, "ln_2.weight"), new long[] {d});
            m.put(h(l, "ln_2.bias"), new long[] {d});
            m.put(h(l, "mlp.c_fc.weight"), new long[] {d, ff});
            m.put(h(l, "mlp.c_fc.bias"), new long[] {ff});
            m.put(h(l, "mlp.c_proj.weight"), new long[] {ff, d});
            m.put(h(l, "mlp.c_proj.bias"), new long[] {d});
        }
        m.put("transformer.ln_f.weight", new long[] {d});
        m.put("transformer.ln_f.bias", new long[] {d});
        return m;
    }

    @Override
    protected EditPoint editPoint(int layer) {
        return new EditPoint(layer, h(layer, "mlp.c_proj"), h(layer, "mlp.c_proj.weight"), WeightLayout.IN_OUT,
                config.intermediateSize(), config.hiddenSize());
    }

    @Override
    protected NDArray embed(NDArray ids, int offset) {
        long t = ids.getShape().get(1);
        NDArray tok = rows("transformer.wte.weight", ids);                                    // [B, T, d]
        NDArray pos = w("transformer.wpe.weight").get(new NDIndex("{}:{}", offset, offset + t)); // [T, d]
        return tok.add(pos);
    }

    private NDArray layerNorm(NDArray x, String prefix) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), w(prefix + ".weight"), w(prefix + ".bias"),
                (float) config.normEps()).singletonOrThrow();
    }

    @Override
    protected NDArray attention(int l, NDArray x, int offset, KvCache cache, NDArray mask) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int hs = config.headDim();
        int nh = config.heads();
        NDArray qkv = conv1d(layerNorm(x, h(l, "ln_1")), h(l, "attn.c_attn.weight"), h(l, "attn.c_attn.bias"));
        NDArray heads = qkv.reshape(b, t, 3, nh, hs).transpose(2, 0, 3, 1, 4);               // [3, B, H, T, hs]
        NDArray q = heads.get(0);
        NDArray k = heads.get(1);
        NDArray v = heads.get(2);
        if (cache != null) {
            NDArray[] kv = cache.append(k, v);
            k = kv[0];
            v = kv[1];
        }
        NDArray ctx = attend(q, k, v, mask);                                                  // [B, T, d]
        return conv1d(ctx, h(l, "attn.c_proj.weight"), h(l, "attn.c_proj.bias"));
    }

    @Override
    protected NDArray mlpKey(int l, NDArray x) {
        NDArray a = conv1d(layerNorm(x, h(l, "ln_2")), h(l, "mlp.c_fc.weight"), h(l, "mlp.c_fc.bias")); // [B, T, ff]
        return geluTanh(a);
    }

    /** GELU in the tanh form GPT-2 was trained with ({@code gelu_new}). */
    private static NDArray geluTanh(NDArray a) {
        // constants through Scalars: a gradient flows through here (see Scalars)
        NDArray inner = Scalars.mul(a.add(Scalars.mul(a.mul(a).mul(a), 0.044715)), Math.sqrt(2.0 / Math.PI));
        return Scalars.mul(a.mul(inner.tanh().add(1)), 0.5);
    }

    @Override
    protected NDArray mlpOut(int l, NDArray key) {
        return conv1d(key, h(l, "mlp.c_proj.weight"), h(l, "mlp.c_proj.bias"));
    }

    @Override
    protected NDArray head(NDArray x) {
        return project(layerNorm(x, "transformer.ln_f"), "transformer.wte.weight");             // [B, T, V]
    }
}
