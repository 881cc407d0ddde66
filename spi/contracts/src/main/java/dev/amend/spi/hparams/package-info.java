/** Binding of hyperparameter records from JSON or YAML trees, with clear messages for bad values. */
package dev.amend.spi.hparams;
