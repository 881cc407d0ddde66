package dev.amend.spi.hparams;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code double} or {@code float} hyperparameter (or a list of them) that may be NaN or infinite. The binder
 * refuses non-finite values everywhere else, so a typo such as {@code early_stop_loss: NaN} cannot silently turn a
 * check off. A field carrying this annotation should say in its javadoc what NaN or infinity means for it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface NonFiniteAllowed {
}
