package dev.amend.spi;

/**
 * A method that ServiceLoader finds ({@code META-INF/services/dev.amend.spi.EditorProvider}): a name,
 * a version, a hyperparameter type with defaults per model family ({@link MethodProvider}), and a factory.
 *
 * @param <H> the method's hyperparameter record
 */
public interface EditorProvider<H extends Hyperparameters> extends MethodProvider<H> {

    /** Returns an editor configured with {@code hyperparameters}. */
    Editor create(H hyperparameters);
}
