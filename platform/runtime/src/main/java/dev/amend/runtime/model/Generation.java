package dev.amend.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.GenerationResult;
import dev.amend.spi.model.TextTokenizer;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A transformer's text generation: the prompt runs once through the blocks filling a key/value cache per layer,
 * then each new token, chosen by {@link TokenChoice}, runs alone against the cache, until the token budget or
 * the model's context is used up (or the end-of-text token when the request stops there).
 */
final class Generation {
    private Generation() {
    }

    /** Returns {@code model}'s continuation of {@code request}'s prompt. */
    static GenerationResult run(Transformer model, GenerationRequest request) {
        TransformerConfig config = model.config();
        int[] prompt = request.promptIds();
        ForwardPlan.checkContext(prompt.length, config);
        int budget = Math.min(request.maxNewTokens(), config.maxPositions() - prompt.length);
        TextTokenizer tokenizer = model.hasTokenizer() ? model.tokenizer() : null;
        int eos = tokenizer != null && tokenizer.eos().isPresent() ? tokenizer.eos().getAsInt() : config.eosTokenId();
        SplittableRandom random = new SplittableRandom(request.sampling().seed());
        int[] produced = new int[Math.max(budget, 0)];
        int count = 0;
        KvCache[] caches = new KvCache[config.layers()];
        for (int l = 0; l < caches.length; l++) {
            caches[l] = new KvCache();
        }
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            float[] logits = step(model, prompt, 0, caches);
            int position = prompt.length;
            while (count < budget) {
                int next = TokenChoice.choose(logits, request.sampling(), random);
                if (request.stopAtEos() && next == eos) {
                    break;
                }
                produced[count++] = next;
                if (count == budget) {
                    break;
                }
                logits = step(model, new int[] {next}, position, caches);
                position++;
            }
        } finally {
            for (KvCache c : caches) {
                c.close();
            }
            JniUtils.setGradMode(grad);
        }
        int[] gen = Arrays.copyOf(produced, count);
        String text = tokenizer == null ? "" : tokenizer.decode(gen);
        return new GenerationResult(prompt.clone(), gen, text);
    }

    /** Runs {@code ids} at positions offset.. through the cached model and returns the last position's logits. */
    private static float[] step(Transformer model, int[] ids, int offset, KvCache[] caches) {
        TransformerConfig config = model.config();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            long[] l = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                l[i] = ForwardPlan.checkedId(ids[i], config);
            }
            NDArray x = model.embed(model.constant(l, new Shape(1, ids.length)), offset);
            NDArray mask = ids.length > 1 ? model.causalMask(ids.length, offset)
                    : (config.slidingWindow() > 0 && offset >= config.slidingWindow() ? model.causalMask(1, offset) : null);
            for (int layer = 0; layer < config.layers(); layer++) {
                x = model.block(layer, x, offset, caches[layer], mask, Hooks.none());
            }
            NDArray last = x.get(new ai.djl.ndarray.index.NDIndex(":, -1:, :"));
            float[] out = model.head(last).toFloatArray();
            for (KvCache c : caches) {
                c.keep();
            }
            return out;
        }
    }
}
