package dev.amend.spi;

import dev.amend.spi.model.ModelArchitecture;
import java.util.List;

/**
 * Marker for a method's hyperparameter record. Records are bound from JSON or YAML by
 * {@link dev.amend.spi.hparams.HyperparameterBinder} and validated by {@link #problems(ModelArchitecture)}.
 */
public interface Hyperparameters {

    /** Returns what is wrong with these values for {@code architecture}, one message per problem; empty when valid. */
    default List<String> problems(ModelArchitecture architecture) {
        return List.of();
    }
}
