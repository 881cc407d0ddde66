package dev.amend.spi.hparams;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a hyperparameter that is one of Amend's own switches (an extension or a variant the reference code does
 * not have) and gives the value it has in the published algorithm. Amend's defaults (per model profile) may turn
 * such a switch on; a hyperparameter file from EasyEdit or the reference repositories gives the published
 * algorithm, so when the bound values are such a file (they name one of the record's {@link IgnoredKeys}, e.g.
 * {@code layer_module_tmp} or {@code alg_name}, or {@code rewrite_module_tmp}), every marked component the file
 * leaves out takes this value instead of Amend's default.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Published {
    /** Returns the component's value in the published algorithm, as a file would write it (e.g. {@code false}, {@code 1}). */
    String value();
}
