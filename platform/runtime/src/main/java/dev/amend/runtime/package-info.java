/** The transformer runtime: DJL/PyTorch models with hooks, checkpoint loading and writing, generation. */
package dev.amend.runtime;
