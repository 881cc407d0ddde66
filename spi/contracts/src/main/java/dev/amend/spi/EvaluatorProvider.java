package dev.amend.spi;

/** An evaluator that ServiceLoader finds ({@code META-INF/services/dev.amend.spi.EvaluatorProvider}). */
public interface EvaluatorProvider {

    /** Returns the evaluator's name, e.g. {@code counterfact}. */
    String name();

    /** Returns the evaluator's version. */
    String version();

    /** Returns the protocol tag of its scores. */
    String protocol();

    /** Returns a new evaluator. */
    Evaluator create();
}
