package dev.amend.spi.hparams;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a string hyperparameter that names a file or directory on the machine that computes the edit (for example
 * MEND's {@code editor_path}). A host that takes hyperparameters from remote callers restricts such values to the
 * directories its operator configured, so that a caller cannot read or probe arbitrary paths of the server; the CLI,
 * run by the machine's own user, takes them as given.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface LocalPath {
}
