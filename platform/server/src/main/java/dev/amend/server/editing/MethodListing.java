package dev.amend.server.editing;

import dev.amend.runtime.plugins.MethodInfo;
import java.util.List;

/**
 * The installed editing methods with their defaults for one served model, and the evaluators.
 *
 * @param defaultsFor the model the defaults are for
 * @param editors     the methods, with origin, version and hyperparameters
 * @param evaluators  the evaluators, with origin, version and protocol
 */
public record MethodListing(String defaultsFor, List<MethodInfo> editors, List<MethodInfo> evaluators) {
    /** Copies the lists. */
    public MethodListing {
        editors = List.copyOf(editors);
        evaluators = List.copyOf(evaluators);
    }
}
