package dev.amend.spi.model;

/** How a linear map's weight matrix is stored; each architecture states it, nothing guesses it from shapes. */
public enum WeightLayout {
    /** {@code torch.nn.Linear}: stored as [out, in], {@code y = W x}. Llama, Qwen2, Mistral. */
    OUT_IN,
    /** GPT-2's {@code Conv1D}: stored as [in, out], {@code y = x W}. */
    IN_OUT
}
