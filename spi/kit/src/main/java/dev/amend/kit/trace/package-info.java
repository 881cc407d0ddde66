/**
 * Causal tracing (Meng et al., ROME, section 2): corrupt the subject's token embeddings with seeded Gaussian noise,
 * restore one hidden state (or a window of MLP or attention outputs) from the clean run, and measure how much of
 * the answer's probability comes back. The traces say where a model recalls a fact, and so which layers and which
 * token a locate-then-edit method should edit ({@link dev.amend.kit.trace.CausalLocator}).
 */
package dev.amend.kit.trace;
