package dev.amend.runtime.bench;

import ai.djl.Device;
import dev.amend.runtime.model.Family;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.model.TransformerConfig;
import dev.amend.runtime.safetensors.HostTensor;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.Sampling;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Prefill and greedy-decode throughput of a model, with the achieved GFLOP/s of prefill as a ratio
 * of a square fp32 matmul measured in the same run.
 */
public final class ForwardBenchmark {

    /**
     * One model's figures.
     *
     * @param model               name
     * @param parameters          parameter count
     * @param prefillTokens       tokens per prefill pass
     * @param prefillTokensPerSec prefill throughput
     * @param prefillGflops       achieved GFLOP/s in prefill
     * @param matmulGflops        the reference matmul rate
     * @param prefillRatio        prefillGflops / matmulGflops
     * @param decodeTokensPerSec  greedy decode throughput with the KV cache
     */
    public record Result(String model, long parameters, int prefillTokens, double prefillTokensPerSec,
                         double prefillGflops, double matmulGflops, double prefillRatio, double decodeTokensPerSec) {
    }

    private ForwardBenchmark() {
    }

    /** Returns GPT-2 small's shape (124M parameters). */
    public static TransformerConfig gpt2Small() {
        return new TransformerConfig(Family.GPT2, 50257, 768, 3072, 12, 12, 12, 64, 1024, 1e-5, 0, null, true, true,
                true, true, 0, 50256, 50256, "float32");
    }

    /** Returns a model of {@code config} with small random weights (seeded). */
    public static Transformer randomModel(String name, TransformerConfig config, long seed, Device device) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : Transformer.weightShapes(config).entrySet()) {
            long n = Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
            float[] data = new float[(int) n];
            boolean norm = e.getKey().contains("ln_") || e.getKey().contains("norm");
            for (int i = 0; i < data.length; i++) {
                data[i] = norm ? 1f : (float) ((r.nextDouble() - 0.5) * 0.04);
            }
            tensors.put(e.getKey(), new HostTensor(e.getValue(), data));
        }
        return Transformer.create(name, config, tensors, null, device);
    }

    /** Returns the FLOPs of one forward pass over {@code b} sequences of {@code t} tokens (logits at every position). */
    public static double forwardFlops(TransformerConfig c, int b, int t) {
        double d = c.hiddenSize();
        double q = (double) c.heads() * c.headDim();
        double kv = (double) c.kvHeads() * c.headDim();
        double ff = c.intermediateSize();
        double mlp = c.family() == Family.GPT2 ? 2 * d * ff : 3 * d * ff;
        double perTokenLinear = d * q + 2 * d * kv + q * d + mlp;
        double tokens = (double) b * t;
        double linear = 2 * tokens * perTokenLinear * c.layers();
        double attention = 4.0 * b * c.heads() * (double) t * t * c.headDim() * c.layers();
        double head = 2 * tokens * d * c.vocabSize();
        return linear + attention + head;
    }

    /** Measures {@code model}: prefill of one sequence of {@code tokens} tokens, and {@code decode} greedy steps. */
    public static Result run(Transformer model, int tokens, int decode, int repeats, double matmulGflops) {
        TransformerConfig c = model.config();
        int t = Math.min(tokens, c.maxPositions() - decode - 1);
        SplittableRandom r = new SplittableRandom(7);
        int[] ids = new int[t];
        for (int i = 0; i < t; i++) {
            ids[i] = r.nextInt(c.vocabSize());
        }
        double[] times = new double[repeats];
        prefill(model, ids); // warm-up
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            prefill(model, ids);
            times[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(times);
        double prefillSec = times[repeats / 2];
        int[] prompt = Arrays.copyOf(ids, 16);
        model.generate(new GenerationRequest(prompt, 4, Sampling.GREEDY, false)); // warm-up
        long g0 = System.nanoTime();
        model.generate(new GenerationRequest(prompt, 1, Sampling.GREEDY, false));
        long g1 = System.nanoTime();
        model.generate(new GenerationRequest(prompt, decode + 1, Sampling.GREEDY, false));
        long g2 = System.nanoTime();
        double decodeSec = ((g2 - g1) - (g1 - g0)) / 1e9;
        double gflops = forwardFlops(c, 1, t) / prefillSec / 1e9;
        return new Result(model.name(), model.architecture().parameters(), t, t / prefillSec, gflops, matmulGflops,
                gflops / matmulGflops, decode / decodeSec);
    }

    private static void prefill(Transformer model, int[] ids) {
        try (ForwardResult res = model.forward(ForwardRequest.of(List.of(ids)))) {
            res.logits().get(0).get(-1).toFloatArray();
        }
    }
}
