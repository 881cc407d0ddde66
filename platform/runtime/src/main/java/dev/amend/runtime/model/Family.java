package dev.amend.runtime.model;

import java.util.Locale;

/** The architectures the runtime implements. */
public enum Family {
    /** GPT-2: LayerNorm, learned positions, Conv1D weights stored [in, out], GELU (tanh), tied head. */
    GPT2,
    /** Llama 2/3: RMSNorm, RoPE, grouped-query attention, SwiGLU, Linear weights stored [out, in]. */
    LLAMA,
    /** Qwen2/2.5: Llama with biases on q, k and v. */
    QWEN2,
    /** Mistral: Llama with an optional sliding attention window. */
    MISTRAL;

    /** Returns the lower-case name used in configs and the API. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
