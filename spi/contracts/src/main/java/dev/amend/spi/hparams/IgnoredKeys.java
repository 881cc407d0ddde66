package dev.amend.spi.hparams;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Keys a hyperparameter record accepts in a file but does not use (for example EasyEdit's
 * {@code model_name} or {@code device}); the binder reports them instead of refusing the file.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface IgnoredKeys {
    /** Returns the accepted but unused keys. */
    String[] value();
}
