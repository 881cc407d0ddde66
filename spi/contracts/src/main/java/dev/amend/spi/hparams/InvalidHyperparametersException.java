package dev.amend.spi.hparams;

import dev.amend.spi.Hyperparameters;
import dev.amend.spi.InvalidRequestException;
import java.util.List;

/** Hyperparameters that cannot be used; the message lists every problem and says what to fix. */
public class InvalidHyperparametersException extends InvalidRequestException {
    private static final long serialVersionUID = 1L;

    /** The individual problems. */
    private final transient List<String> problems;

    /** Creates the exception for {@code source} (a file name or "request") with its problems. */
    public InvalidHyperparametersException(String source, List<String> problems) {
        super("invalid hyperparameters in " + source + ": " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Returns the individual problems. */
    public List<String> problems() {
        return problems;
    }
}
