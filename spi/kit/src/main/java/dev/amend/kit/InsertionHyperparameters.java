package dev.amend.kit;

import java.util.List;

/**
 * The hyperparameters MEMIT and AlphaEdit share (EasyEdit's names in snake_case), which their records
 * implement by their components; {@link DistributedInsertion.Settings#of} turns them into the insertion's
 * settings.
 */
public interface InsertionHyperparameters {
    /** Returns the edit layers, ascending. */
    List<Integer> layers();

    /** Returns which token carries the fact ({@code fact_token}). */
    String factToken();

    /** Returns the Adam steps of the target optimisation. */
    int vNumGradSteps();

    /** Returns the Adam learning rate. */
    double vLr();

    /** Returns the weight decay on δ. */
    double vWeightDecay();

    /** Returns the bound on ‖δ‖ as a multiple of ‖z₀‖. */
    double clampNormFactor();

    /** Returns the weight of the KL term. */
    double klFactor();

    /** Returns the loss below which the target optimisation stops. */
    double earlyStopLoss();

    /** Returns the block after which the target loss is read (-1: the last). */
    int vLossLayer();

    /** Returns true when the KL term reads the KL prompt's last token (Amend's extension). */
    boolean klAtLastToken();

    /** Returns the pairs [length, count] of generated context prefixes. */
    List<List<Integer>> contextTemplateLengthParams();

    /** Returns the given context templates in groups, or an empty list to generate them. */
    List<List<String>> contextTemplates();

    /** Returns true when the other prompt tokens join the solve as preserved keys (Amend's extension). */
    boolean preservePromptTokens();

    /** Returns the times the layer loop runs (Amend's extension; 1 as published). */
    int insertionPasses();

    /** Returns the bound on ‖v*‖ / ‖W k‖ of each solved value ({@code norm_anchor}, {@link NormAnchor}; 0: off). */
    default double normAnchor() {
        return 0;
    }

    /** Returns the texts of the statistics corpus ({@code mom2_n_samples}). */
    long mom2NSamples();
}
