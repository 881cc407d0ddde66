package dev.amend.spi.hparams;

import java.util.List;

/**
 * A bound hyperparameter record and the keys that were accepted but are not used.
 *
 * @param value   the record
 * @param ignored keys from the file that this method does not use
 * @param <H>     record type
 */
public record Bound<H>(H value, List<String> ignored) {
}
