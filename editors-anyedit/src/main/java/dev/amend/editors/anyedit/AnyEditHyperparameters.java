package dev.amend.editors.anyedit;

import dev.amend.kit.FixedWindowChunker;
import dev.amend.kit.SentenceChunker;
import dev.amend.spi.Chunker;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.model.ModelArchitecture;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * AnyEdit's own hyperparameters (the base method's come separately, under {@code base}). Names follow
 * the AnyEdit code ({@code window_size}, {@code overlap}, {@code v_*}) where it has them.
 *
 * @param chunker          {@code window} (fixed token windows) or {@code sentence} (sentences, or lines for code and verse)
 * @param windowSize       tokens per window [window_size]
 * @param overlap          tokens of each later window that the window before already emitted (context only) [overlap]
 * @param sentenceMode     for {@code sentence}: {@code auto}, {@code sentences} or {@code lines}
 * @param minChunkTokens   for {@code sentence}: shorter sentences join the next chunk
 * @param maxChunkTokens   for {@code sentence}: longer sentences are cut into windows of this size
 * @param mode             {@code auto} (joint when the base offers key-value insertion, else sequential),
 *                         {@code joint} or {@code sequential}
 * @param vNumGradSteps    Adam steps per chunk value (joint mode)
 * @param vLr              Adam learning rate
 * @param vWeightDecay     weight decay on δ
 * @param clampNormFactor  ‖δ‖ ≤ this × ‖v₀‖
 * @param earlyStopLoss    stop a chunk's optimisation below this loss
 * @param preserveOthers   joint mode: the other tokens of the prompt and target enter the solve as preserved keys
 * @param vLossLayer       the block after which a chunk's loss is read (through the final norm and head, as AnyEdit's
 *                         code; the larger of this and the value layer is used); -1 is the model's last block
 */
public record AnyEditHyperparameters(
        String chunker,
        int windowSize,
        int overlap,
        String sentenceMode,
        int minChunkTokens,
        int maxChunkTokens,
        String mode,
        int vNumGradSteps,
        double vLr,
        double vWeightDecay,
        double clampNormFactor,
        double earlyStopLoss,
        boolean preserveOthers,
        int vLossLayer) implements Hyperparameters {

    /** Values before any per-family profile: the AnyEdit code's Llama3-8B settings. */
    public static final AnyEditHyperparameters BASE = new AnyEditHyperparameters("window", 40, 0, "auto", 4, 60,
            "auto", 25, 0.5, 1e-3, 4, 1e-2, true, -1);

    @Override
    public List<String> problems(ModelArchitecture arch) {
        List<String> p = new ArrayList<>();
        if (!List.of("window", "sentence").contains(chunker.toLowerCase(Locale.ROOT))) {
            p.add("chunker must be window or sentence, got \"" + chunker + "\"");
        }
        if (windowSize < 1 || overlap < 0 || overlap >= windowSize) {
            p.add("window_size must be ≥ 1 and 0 ≤ overlap < window_size, got " + windowSize + " and " + overlap);
        }
        if (!List.of("auto", "sentences", "lines").contains(sentenceMode.toLowerCase(Locale.ROOT))) {
            p.add("sentence_mode must be auto, sentences or lines, got \"" + sentenceMode + "\"");
        }
        if (minChunkTokens < 1 || maxChunkTokens < minChunkTokens) {
            p.add("need 1 ≤ min_chunk_tokens ≤ max_chunk_tokens, got " + minChunkTokens + " and " + maxChunkTokens);
        }
        if (!List.of("auto", "joint", "sequential").contains(mode.toLowerCase(Locale.ROOT))) {
            p.add("mode must be auto, joint or sequential, got \"" + mode + "\"");
        }
        if (vLossLayer < -1 || vLossLayer >= arch.layers()) {
            p.add("v_loss_layer " + vLossLayer + " does not exist: the model has layers 0.." + (arch.layers() - 1)
                    + " (-1 is the last)");
        }
        if (vNumGradSteps < 1 || !(vLr > 0) || !(vWeightDecay >= 0) || !(clampNormFactor > 0)) {
            p.add("v_num_grad_steps ≥ 1, v_lr > 0, v_weight_decay ≥ 0 and clamp_norm_factor > 0 are required");
        }
        return p;
    }

    /** Returns the configured chunker. */
    public Chunker newChunker() {
        if (chunker.equalsIgnoreCase("sentence")) {
            return new SentenceChunker(SentenceChunker.Mode.valueOf(sentenceMode.toUpperCase(Locale.ROOT)),
                    minChunkTokens, maxChunkTokens);
        }
        return new FixedWindowChunker(windowSize, overlap);
    }
}
