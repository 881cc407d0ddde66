package dev.amend.runtime.model;

import ai.djl.Device;
import dev.amend.runtime.safetensors.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Tiny randomly initialised models for tests of the runtime's mechanics. */
public final class TinyModels {
    private TinyModels() {
    }

    /** Returns a tiny GPT-2 config. */
    public static TransformerConfig gpt2() {
        return new TransformerConfig(Family.GPT2, 64, 32, 128, 3, 4, 4, 8, 64, 1e-5, 0, null, true, true, true, true, 0,
                -1, -1, "float32");
    }

    /** Returns a tiny Llama config with grouped-query attention and an untied head. */
    public static TransformerConfig llama() {
        return new TransformerConfig(Family.LLAMA, 64, 32, 96, 3, 4, 2, 8, 64, 1e-5, 10000, null, false, false, false,
                false, 0, 1, 2, "float32");
    }

    /** Returns a model of {@code config} with N(0, 0.3²) weights (norm weights near 1) from {@code seed}. */
    public static Transformer random(TransformerConfig config, long seed) {
        return random(config, seed, null);
    }

    /** Returns a model of {@code config} with random weights from {@code seed} and {@code tokenizer}. */
    public static Transformer random(TransformerConfig config, long seed, dev.amend.spi.model.TextTokenizer tokenizer) {
        return random(config, seed, tokenizer, Residency.of(Device.cpu()));
    }

    /** Returns a model of {@code config} with random weights from {@code seed}, held as {@code residency} says. */
    public static Transformer random(TransformerConfig config, long seed, dev.amend.spi.model.TextTokenizer tokenizer,
                                     Residency residency) {
        return Transformer.create("tiny-" + config.family().id(), config, WeightSource.of(weights(config, seed)),
                tokenizer, residency);
    }

    /** Returns random weights for {@code config} from {@code seed}: N(0, 0.3²), norm weights near 1. */
    public static Map<String, HostTensor> weights(TransformerConfig config, long seed) {
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        Random r = new Random(seed);
        for (Map.Entry<String, long[]> e : Transformer.weightShapes(config).entrySet()) {
            long n = 1;
            for (long s : e.getValue()) {
                n *= s;
            }
            float[] data = new float[(int) n];
            boolean norm = e.getKey().contains("ln_") || e.getKey().contains("norm");
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) (norm && e.getKey().endsWith("weight") ? 1 + 0.1 * r.nextGaussian() : 0.3 * r.nextGaussian());
            }
            tensors.put(e.getKey(), new HostTensor(e.getValue(), data));
        }
        return tensors;
    }
}
