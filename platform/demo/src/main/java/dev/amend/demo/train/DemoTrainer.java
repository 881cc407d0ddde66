package dev.amend.demo.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.demo.tokenizer.ByteLevelBpe;
import dev.amend.demo.tokenizer.TokenizerJson;
import dev.amend.runtime.io.HfCheckpoints;
import dev.amend.runtime.model.Family;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.model.TransformerConfig;
import dev.amend.runtime.safetensors.HostTensor;
import dev.amend.runtime.tokenizer.HfTokenizer;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains the demo model from scratch on the fact corpus: a byte-level BPE tokenizer learned from the
 * corpus, a GPT-2 architecture with GPT-2's initialisation, AdamW with warm-up and a cosine schedule,
 * gradient clipping, seeded data order. Writes a Hugging Face directory, a loss curve and a record
 * of the run ({@code amend-demo.json}, with the corpus hash).
 */
public final class DemoTrainer {
    /** Name of the run record written beside the checkpoint. */
    public static final String RECORD = "amend-demo.json";

    /**
     * Training settings.
     *
     * @param seed        seed for initialisation and data order
     * @param vocabSize   BPE vocabulary size
     * @param hidden      residual width
     * @param layers      blocks
     * @param heads       attention heads
     * @param context     longest sequence
     * @param steps       optimiser steps
     * @param batch       sequences per step
     * @param seqLen      tokens per sequence
     * @param peakLr      learning rate after warm-up
     * @param warmup      warm-up steps
     * @param weightDecay AdamW decoupled weight decay on matrices
     */
    public record Options(long seed, int vocabSize, int hidden, int layers, int heads, int context, int steps,
                          int batch, int seqLen, double peakLr, int warmup, double weightDecay) {
        /** Returns the settings the shipped checkpoint was trained with, with {@code seed}. */
        public static Options defaults(long seed) {
            return new Options(seed, 2048, 256, 6, 8, 256, 1500, 24, 64, 2e-3, 75, 0.05);
        }

        /** Returns these settings with {@code steps} steps. */
        public Options withSteps(int s) {
            return new Options(seed, vocabSize, hidden, layers, heads, context, s, batch, seqLen, peakLr,
                    Math.min(warmup, Math.max(1, s / 10)), weightDecay);
        }
    }

    /**
     * What a run produced.
     *
     * @param directory the checkpoint directory
     * @param losses    training loss per step
     * @param seconds   wall time
     */
    public record Run(Path directory, List<Double> losses, double seconds) {
    }

    private DemoTrainer() {
    }

    /** Returns the model configuration for {@code options} and a vocabulary of {@code vocab} tokens. */
    public static TransformerConfig modelConfig(Options o, int vocab) {
        return new TransformerConfig(Family.GPT2, vocab, o.hidden(), 4 * o.hidden(), o.layers(), o.heads(), o.heads(),
                o.hidden() / o.heads(), o.context(), 1e-5, 0, null, true, true, true, true, 0, 0, 0, "float32");
    }

    /** Trains on {@code corpus} and writes the checkpoint into {@code out}. */
    public static Run train(FactCorpus corpus, Options o, Path out, ProgressListener progress) throws IOException {
        long start = System.nanoTime();
        Files.createDirectories(out);
        List<String> texts = corpus.trainingTexts();
        progress.progress("tokenizer", 0, 1);
        ByteLevelBpe bpe = ByteLevelBpe.train(texts, o.vocabSize(), List.of("<|endoftext|>"));
        Path tokFile = out.resolve("tokenizer.json");
        TokenizerJson.write(bpe, tokFile);
        progress.progress("tokenizer", 1, 1);
        TransformerConfig config = modelConfig(o, bpe.vocab().size());
        List<int[]> first = new ArrayList<>();
        List<int[]> next = new ArrayList<>();
        for (String t : texts) {
            first.add(bpe.encode(t));
            next.add(bpe.encode(" " + t));
        }
        SplittableRandom random = new SplittableRandom(o.seed());
        List<Double> losses = new ArrayList<>();
        try (Transformer model = Transformer.create("demo", config, initialWeights(config, random),
                HfTokenizer.load(tokFile, config), Device.cpu())) {
            List<NDArray> params = new ArrayList<>();
            for (String n : model.weightNames()) {
                NDArray p = model.weight(n);
                p.setRequiresGradient(true);
                params.add(p);
            }
            try (NDManager state = model.manager().newSubManager()) {
                AdamW adam = new AdamW(state, params, o.weightDecay());
                int[] order = shuffledOrder(texts.size(), random);
                int cursor = 0;
                for (int step = 1; step <= o.steps(); step++) {
                    List<int[]> rows = new ArrayList<>(o.batch());
                    for (int b = 0; b < o.batch(); b++) {
                        int[] row = new int[o.seqLen() + 1];
                        int filled = 0;
                        boolean startOfRow = true;
                        while (filled < row.length) {
                            if (cursor == order.length) {
                                order = shuffledOrder(texts.size(), random);
                                cursor = 0;
                            }
                            int[] toks = (startOfRow ? first : next).get(order[cursor++]);
                            int n = Math.min(toks.length, row.length - filled);
                            System.arraycopy(toks, 0, row, filled, n);
                            filled += n;
                            startOfRow = false;
                        }
                        rows.add(row);
                    }
                    double loss = step(model, rows, o.seqLen());
                    adam.update(learningRate(o, step), step);
                    losses.add(loss);
                    progress.progress(String.format("training (loss %.3f)", loss), step, o.steps());
                }
            } finally {
                for (NDArray p : params) {
                    p.setRequiresGradient(false);
                }
            }
            HfCheckpoints.write(model, out);
            double seconds = (System.nanoTime() - start) / 1e9;
            LossCurve.writePng(losses, out.resolve("loss.png"), "demo model training loss (seed " + o.seed() + ")");
            JsonObject record = new JsonObject();
            record.addProperty("corpus_sha256", corpus.sha256());
            record.addProperty("facts", corpus.facts().size());
            record.addProperty("seed", o.seed());
            record.add("options", new GsonBuilder().create().toJsonTree(o));
            record.addProperty("final_loss", mean(losses.subList(Math.max(0, losses.size() - 50), losses.size())));
            record.addProperty("training_seconds", seconds);
            HfCheckpoints.writeAtomically(out.resolve(RECORD),
                    new GsonBuilder().setPrettyPrinting().create().toJson(record));
            return new Run(out, losses, seconds);
        }
    }

    /** Runs forward and backward on one batch and returns the mean cross-entropy. */
    private static double step(Transformer model, List<int[]> rows, int seqLen) {
        List<int[]> inputs = new ArrayList<>(rows.size());
        long[] targets = new long[rows.size() * seqLen];
        for (int b = 0; b < rows.size(); b++) {
            int[] r = rows.get(b);
            inputs.add(Arrays.copyOf(r, seqLen));
            for (int t = 0; t < seqLen; t++) {
                targets[b * seqLen + t] = r[t + 1];
            }
        }
        try (NDManager m = model.manager().newSubManager();
             GradientCollector gc = m.getEngine().newGradientCollector();
             ForwardResult r = model.forward(ForwardRequest.builder(inputs).gradients(true).build())) {
            NDArray target = m.create(targets, new Shape(rows.size(), seqLen, 1));
            NDArray nll = r.logits().logSoftmax(-1).gather(target, -1).neg().mean();   // [B, T, V] → scalar
            gc.backward(nll);
            return nll.getFloat();
        }
    }

    private static double learningRate(Options o, int step) {
        if (step <= o.warmup()) {
            return o.peakLr() * step / o.warmup();
        }
        double progress = (double) (step - o.warmup()) / Math.max(1, o.steps() - o.warmup());
        double min = o.peakLr() * 0.1;
        return min + 0.5 * (o.peakLr() - min) * (1 + Math.cos(Math.PI * progress));
    }

    /** GPT-2's initialisation: N(0, 0.02²), residual projections scaled by 1/sqrt(2·layers), norms 1, biases 0. */
    static Map<String, HostTensor> initialWeights(TransformerConfig config, SplittableRandom random) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        double residualStd = 0.02 / Math.sqrt(2.0 * config.layers());
        for (Map.Entry<String, long[]> e : Transformer.weightShapes(config).entrySet()) {
            String n = e.getKey();
            long count = Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
            float[] data = new float[(int) count];
            if (n.contains(".ln_") || n.contains("ln_f")) {
                if (n.endsWith("weight")) {
                    Arrays.fill(data, 1f);
                }
            } else if (!n.endsWith("bias")) {
                double std = n.endsWith("c_proj.weight") ? residualStd : 0.02;
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) (random.nextGaussian() * std);
                }
            }
            out.put(n, new HostTensor(e.getValue(), data));
        }
        return out;
    }

    private static int[] shuffledOrder(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** AdamW with bias correction, decoupled weight decay on matrices, and global gradient-norm clipping at 1. */
    private static final class AdamW {
        private static final double BETA1 = 0.9;
        private static final double BETA2 = 0.95;
        private static final double EPS = 1e-8;
        private static final double CLIP = 1.0;
        private final List<NDArray> params;
        private final List<NDArray> first = new ArrayList<>();
        private final List<NDArray> second = new ArrayList<>();
        private final double weightDecay;

        AdamW(NDManager state, List<NDArray> params, double weightDecay) {
            this.params = params;
            this.weightDecay = weightDecay;
            for (NDArray p : params) {
                first.add(state.zeros(p.getShape()));
                second.add(state.zeros(p.getShape()));
            }
        }

        void update(double lr, int step) {
            boolean grad = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            // every temporary of the update (including those derived from the long-lived moment arrays) is
            // closed with the scope; m, v and the parameters are updated in place
            try (NDManager tmp = params.get(0).getManager().newSubManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                List<NDArray> grads = new ArrayList<>();
                double norm2 = 0;
                for (NDArray p : params) {
                    NDArray g = p.getGradient();
                    g.attach(tmp);
                    grads.add(g);
                    norm2 += g.square().sum().getFloat();
                }
                double scale = Math.min(1.0, CLIP / (Math.sqrt(norm2) + 1e-6));
                double c1 = 1 - Math.pow(BETA1, step);
                double c2 = 1 - Math.pow(BETA2, step);
                for (int i = 0; i < params.size(); i++) {
                    NDArray p = params.get(i);
                    NDArray g = grads.get(i).mul(scale);
                    NDArray m = first.get(i);
                    NDArray v = second.get(i);
                    m.muli(BETA1).addi(g.mul(1 - BETA1));
                    v.muli(BETA2).addi(g.square().mul(1 - BETA2));
                    NDArray update = m.div(c1).div(v.div(c2).sqrt().add(EPS));
                    if (p.getShape().dimension() == 2 && weightDecay > 0) {
                        p.muli(1 - lr * weightDecay);
                    }
                    p.subi(update.mul(lr));
                    JniUtils.zeroGrad((PtNDArray) p);
                }
            } finally {
                JniUtils.setGradMode(grad);
            }
        }
    }
}
