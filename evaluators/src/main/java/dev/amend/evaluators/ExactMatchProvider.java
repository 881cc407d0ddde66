package dev.amend.evaluators;

import dev.amend.spi.Evaluator;
import dev.amend.spi.EvaluatorProvider;

/** Registers CounterFact as greedy exact match ({@code counterfact-exact}) with ServiceLoader. */
public final class ExactMatchProvider implements EvaluatorProvider {
    /** The evaluator's version. */
    public static final String VERSION = "1.0.0";

    /** Returns {@code counterfact-exact}. */
    @Override
    public String name() {
        return "counterfact-exact";
    }

    /** Returns {@value #VERSION}. */
    @Override
    public String version() {
        return VERSION;
    }

    /** Returns {@value ExactMatchEvaluator#PROTOCOL}. */
    @Override
    public String protocol() {
        return ExactMatchEvaluator.PROTOCOL;
    }

    /** Returns a new {@link ExactMatchEvaluator}. */
    @Override
    public Evaluator create() {
        return new ExactMatchEvaluator();
    }
}
