package dev.amend.examples.rankone;

import dev.amend.spi.Evaluator;
import dev.amend.spi.EvaluatorProvider;

/** Registers the example evaluator {@code example-target-logprob} (META-INF/services/dev.amend.spi.EvaluatorProvider). */
public final class TargetLogProbProvider implements EvaluatorProvider {

    /** Returns {@code example-target-logprob}. */
    @Override
    public String name() {
        return "example-target-logprob";
    }

    /** Returns the plugin's version from its jar's manifest. */
    @Override
    public String version() {
        return RankOneProvider.version(TargetLogProbProvider.class);
    }

    /** Returns {@value TargetLogProbEvaluator#PROTOCOL}. */
    @Override
    public String protocol() {
        return TargetLogProbEvaluator.PROTOCOL;
    }

    /** Returns a new evaluator. */
    @Override
    public Evaluator create() {
        return new TargetLogProbEvaluator();
    }
}
