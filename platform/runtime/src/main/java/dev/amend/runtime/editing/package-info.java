/** Finding editing methods, binding their hyperparameters from files, and running them on a model. */
package dev.amend.runtime.editing;
