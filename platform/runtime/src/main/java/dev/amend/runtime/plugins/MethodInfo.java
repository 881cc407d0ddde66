package dev.amend.runtime.plugins;

import java.util.List;

/**
 * An installed editor or evaluator, for listings ({@code GET /api/v1/methods}, {@code ./amend plugins}).
 *
 * @param name            the method's name (lower case)
 * @param kind            {@code editor} or {@code evaluator}
 * @param version         the provider's version
 * @param origin          {@code classpath}, or {@code plugin:} followed by the jar's file name
 * @param description     the provider's one-line description (for evaluators: the protocol they report)
 * @param protocol        the protocol tag of an evaluator's scores; null for editors
 * @param hyperparameters an editor's hyperparameters in record order; empty for evaluators
 */
public record MethodInfo(String name, String kind, String version, String origin, String description, String protocol,
                         List<HyperparameterInfo> hyperparameters) {

    /** Copies the list. */
    public MethodInfo {
        hyperparameters = List.copyOf(hyperparameters);
    }

    /**
     * One hyperparameter of an editor.
     *
     * @param name         snake_case key as written in hyperparameter files (EasyEdit's names)
     * @param type         {@code int}, {@code long}, {@code double}, {@code float}, {@code boolean}, {@code string},
     *                     {@code enum[a|b]} or {@code list<...>}
     * @param defaultValue the default for the architecture the listing was made for; null when none was given or
     *                     the provider could not compute it
     */
    public record HyperparameterInfo(String name, String type, Object defaultValue) {
    }
}
