package dev.amend.spi;

import dev.amend.spi.model.ModelArchitecture;

/**
 * What every editing method's provider says about itself, whether it edits ({@link EditorProvider}) or wraps
 * another method ({@link EditorDecorator}): a name, a version, a description and a hyperparameter type with
 * defaults per model family.
 *
 * @param <H> the method's hyperparameter record
 */
public interface MethodProvider<H extends Hyperparameters> {

    /** Returns the method's name, lower case, e.g. {@code rome}. */
    String name();

    /** Returns the method's version. */
    String version();

    /** Returns a one-line description for listings. */
    String description();

    /** Returns the hyperparameter record type. */
    Class<H> hyperparameterType();

    /** Returns the default hyperparameters for {@code architecture} (per family and size). */
    H defaults(ModelArchitecture architecture);
}
