package dev.amend.spi;

/**
 * A method that ServiceLoader finds ({@code META-INF/services/dev.amend.spi.EditorProvider}): a name,
 * a version, a hyperparameter type with defaults per model family, and a factory.
 *
 * @param <H> the method's hyperparameter record
 */
public interface EditorProvider<H extends Hyperparameters> {

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

    /** Returns an editor configured with {@code hyperparameters}. */
    Editor create(H hyperparameters);
}
