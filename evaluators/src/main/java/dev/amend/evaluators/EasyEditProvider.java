package dev.amend.evaluators;

import dev.amend.spi.Evaluator;
import dev.amend.spi.EvaluatorProvider;

/** Registers EasyEdit's teacher-forced token accuracy ({@code easyedit}) with ServiceLoader. */
public final class EasyEditProvider implements EvaluatorProvider {
    /** The evaluator's version. */
    public static final String VERSION = "1.0.0";

    /** Returns {@code easyedit}. */
    @Override
    public String name() {
        return "easyedit";
    }

    /** Returns {@value #VERSION}. */
    @Override
    public String version() {
        return VERSION;
    }

    /** Returns {@value EasyEditEvaluator#PROTOCOL}. */
    @Override
    public String protocol() {
        return EasyEditEvaluator.PROTOCOL;
    }

    /** Returns a new {@link EasyEditEvaluator}. */
    @Override
    public Evaluator create() {
        return new EasyEditEvaluator();
    }
}
