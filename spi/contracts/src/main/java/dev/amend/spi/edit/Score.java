package dev.amend.spi.edit;

import java.util.Objects;

/**
 * A metric value, always tagged with the protocol that produced it so that numbers from different
 * protocols are never compared by mistake.
 *
 * @param metric   e.g. {@code efficacy}
 * @param protocol e.g. {@code counterfact-probability}, {@code easyedit-token-accuracy}
 * @param value    the mean over {@code count} cases
 * @param count    number of cases averaged
 */
public record Score(String metric, String protocol, double value, int count) {
    /** Checks the fields. */
    public Score {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(protocol, "protocol");
    }
}
