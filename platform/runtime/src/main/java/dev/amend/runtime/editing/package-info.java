/**
 * Finding editing methods, binding their hyperparameters from files, and the edit pipeline that runs them on a
 * model ({@link dev.amend.runtime.editing.EditSession}), shared by the host, the CLI and the benchmark runners.
 */
package dev.amend.runtime.editing;
