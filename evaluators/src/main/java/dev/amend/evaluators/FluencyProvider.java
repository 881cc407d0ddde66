package dev.amend.evaluators;

import dev.amend.spi.Evaluator;
import dev.amend.spi.EvaluatorProvider;

/**
 * Registers the n-gram entropy of greedy generations ({@code greedy_ngram_entropy}, also reported under its former
 * name {@code fluency}) with ServiceLoader, under the name {@code fluency}.
 */
public final class FluencyProvider implements EvaluatorProvider {
    /** The evaluator's version. */
    public static final String VERSION = "1.0.0";

    /** Returns {@code fluency}. */
    @Override
    public String name() {
        return "fluency";
    }

    /** Returns {@value #VERSION}. */
    @Override
    public String version() {
        return VERSION;
    }

    /** Returns {@value FluencyEvaluator#PROTOCOL}. */
    @Override
    public String protocol() {
        return FluencyEvaluator.PROTOCOL;
    }

    /** Returns a new {@link FluencyEvaluator}. */
    @Override
    public Evaluator create() {
        return new FluencyEvaluator();
    }
}
