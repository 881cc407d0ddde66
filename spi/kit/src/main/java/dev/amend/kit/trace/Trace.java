package dev.amend.kit.trace;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One causal trace: for each kind of hidden state, the indirect effect of restoring it at each layer and token,
 * that is the answer's probability with that state restored from the clean run minus its probability in the
 * corrupted run (averaged over the noise samples). Matrices are indexed [layer][token]. Tokens before the subject
 * have effect 0 exactly: the noise cannot reach them (causal attention), so restoring them changes nothing.
 *
 * @param prompt               the prompt with the subject filled in
 * @param tokens               the text of each token
 * @param ids                  the token ids
 * @param subjectFirst         index of the subject's first token
 * @param subjectLast          index of the subject's last token
 * @param answer               the text of the answer token whose probability is measured
 * @param answerId             its id
 * @param residual             restoring the residual stream leaving one block, [layer][token]
 * @param mlp                  restoring the MLP outputs of a window of blocks centred on the layer, [layer][token]
 * @param attention            restoring the attention outputs of such a window, [layer][token]
 * @param cleanProbability     the answer's probability on the clean run
 * @param corruptedProbability its mean probability on the corrupted runs
 * @param noise                the standard deviation of the noise added to each embedding coordinate
 * @param noiseMultiplier      the noise as a multiple of the embeddings' standard deviation
 * @param embeddingStd         the embeddings' standard deviation
 * @param seed                 seed of the noise
 * @param samples              corrupted runs
 * @param window               layers restored together for MLP and attention
 * @param seconds              wall time of the trace
 */
public record Trace(String prompt, List<String> tokens, int[] ids, int subjectFirst, int subjectLast, String answer,
                    int answerId, double[][] residual, double[][] mlp, double[][] attention, double cleanProbability,
                    double corruptedProbability, double noise, double noiseMultiplier, double embeddingStd, long seed,
                    int samples, int window, double seconds) {

    /** Returns the number of layers. */
    public int layers() {
        return residual.length;
    }

    /** Returns the matrix of {@code kind}. */
    public double[][] matrix(TraceKind kind) {
        return switch (kind) {
            case RESIDUAL -> residual;
            case MLP -> mlp;
            case ATTENTION -> attention;
        };
    }

    /**
     * Returns the trace as a JSON-ready map with snake_case keys: {@code tokens}, {@code subject_range} ([first,
     * last]), {@code layers}, {@code residual}, {@code mlp}, {@code attention}, {@code clean_probability},
     * {@code corrupted_probability}, {@code noise}, {@code seed}, and the details behind them.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("prompt", prompt);
        o.put("tokens", tokens);
        o.put("token_ids", ids);
        o.put("subject_range", new int[] {subjectFirst, subjectLast});
        o.put("answer", answer);
        o.put("answer_id", answerId);
        o.put("layers", layers());
        o.put("residual", residual);
        o.put("mlp", mlp);
        o.put("attention", attention);
        o.put("clean_probability", cleanProbability);
        o.put("corrupted_probability", corruptedProbability);
        o.put("noise", noise);
        o.put("noise_multiplier", noiseMultiplier);
        o.put("embedding_std", embeddingStd);
        o.put("seed", seed);
        o.put("samples", samples);
        o.put("window", window);
        o.put("seconds", seconds);
        return o;
    }
}
