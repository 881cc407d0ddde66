package dev.amend.evaluators;

import dev.amend.spi.Evaluator;
import dev.amend.spi.EvaluatorProvider;

/** Registers ROME's CounterFact probability comparison ({@code counterfact}) with ServiceLoader. */
public final class CounterFactProvider implements EvaluatorProvider {
    /** The evaluator's version. */
    public static final String VERSION = "1.0.0";

    /** Returns {@code counterfact}. */
    @Override
    public String name() {
        return "counterfact";
    }

    /** Returns {@value #VERSION}. */
    @Override
    public String version() {
        return VERSION;
    }

    /** Returns {@value CounterFactEvaluator#PROTOCOL}. */
    @Override
    public String protocol() {
        return CounterFactEvaluator.PROTOCOL;
    }

    /** Returns a new {@link CounterFactEvaluator}. */
    @Override
    public Evaluator create() {
        return new CounterFactEvaluator();
    }
}
