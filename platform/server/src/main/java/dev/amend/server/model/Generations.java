package dev.amend.server.model;

import dev.amend.server.limits.ComputeGate;
import dev.amend.server.limits.HostLimits;
import dev.amend.spi.model.GenerationResult;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Text generation as REST and gRPC serve it: the request is checked against the host's generation limits (before
 * the prompt is tokenized), waits its turn at the {@link ComputeGate}, runs on the serving weights, and comes back
 * with the reason it stopped.
 */
@ApplicationScoped
public class Generations {
    /** Stopped after the tokens asked for. */
    public static final String MAX_NEW_TOKENS = "max_new_tokens";
    /** Stopped at the model's end-of-text token. */
    public static final String END_OF_TEXT = "end_of_text";
    /** Stopped because prompt and continuation filled the model's context. */
    public static final String CONTEXT_END = "context_end";

    @Inject
    HostedModels models;

    @Inject
    HostLimits limits;

    /**
     * A continuation and why it stopped.
     *
     * @param result     the tokens and text
     * @param stopReason {@link #MAX_NEW_TOKENS}, {@link #END_OF_TEXT} or {@link #CONTEXT_END}
     * @param note       a sentence when the generation stopped short at the context end, else null
     */
    public record Generated(GenerationResult result, String stopReason, String note) {
    }

    /** Returns the continuation of {@code prompt} by model {@code name}, or throws saying what to fix. */
    public Generated generate(String name, String prompt, int maxNewTokens, double temperature, int topK, long seed) {
        limits.generation().check(prompt, maxNewTokens, temperature, topK);
        HostedModel model = models.get(name);
        ComputeGate gate = limits.gate();
        gate.enterGeneration();
        GenerationResult r;
        try {
            r = model.generate(prompt, maxNewTokens, temperature, topK, seed);
        } finally {
            gate.leaveGeneration();
        }
        int context = model.serving().architecture().maxContext();
        int generated = r.generatedIds().length;
        if (generated >= maxNewTokens) {
            return new Generated(r, MAX_NEW_TOKENS, null);
        }
        if (r.promptIds().length + generated >= context) {
            return new Generated(r, CONTEXT_END, "stopped after " + generated + " of the " + maxNewTokens
                    + " new tokens asked for: prompt and continuation filled model " + name + "'s context of "
                    + context + " tokens");
        }
        return new Generated(r, END_OF_TEXT, null);
    }
}
