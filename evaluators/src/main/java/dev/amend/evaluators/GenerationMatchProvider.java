package dev.amend.evaluators;

import dev.amend.spi.Evaluator;
import dev.amend.spi.EvaluatorProvider;

/** Registers CounterFact judged on greedy generation ({@code generation-match}) with ServiceLoader. */
public final class GenerationMatchProvider implements EvaluatorProvider {
    /** The evaluator's version. */
    public static final String VERSION = "1.0.0";

    /** Returns {@code generation-match}. */
    @Override
    public String name() {
        return GenerationMatchEvaluator.PROTOCOL;
    }

    /** Returns {@value #VERSION}. */
    @Override
    public String version() {
        return VERSION;
    }

    /** Returns {@value GenerationMatchEvaluator#PROTOCOL}. */
    @Override
    public String protocol() {
        return GenerationMatchEvaluator.PROTOCOL;
    }

    /** Returns a new {@link GenerationMatchEvaluator}. */
    @Override
    public Evaluator create() {
        return new GenerationMatchEvaluator();
    }
}
