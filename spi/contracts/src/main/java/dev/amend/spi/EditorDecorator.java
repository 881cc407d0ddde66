package dev.amend.spi;

/**
 * A method that wraps another method (AnyEdit wraps MEMIT, AlphaEdit, ROME, ...), found by ServiceLoader
 * ({@code META-INF/services/dev.amend.spi.EditorDecorator}). The registry resolves {@code decorator+base}
 * names: it configures the base method and hands its editor to {@link #decorate}. A decorator is never
 * used alone.
 *
 * @param <H> the decorator's own hyperparameter record
 */
public interface EditorDecorator<H extends Hyperparameters> extends MethodProvider<H> {

    /**
     * Returns an editor that uses {@code base} (configured method called {@code baseName}) under this
     * decorator's {@code hyperparameters}.
     */
    Editor decorate(Editor base, String baseName, H hyperparameters);
}
