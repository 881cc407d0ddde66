package dev.amend.runtime.model;

import dev.amend.spi.InvalidRequestException;

/**
 * Everything the runtime needs to build a model, independent of the checkpoint format.
 *
 * @param family            architecture
 * @param vocabSize         vocabulary size
 * @param hiddenSize        residual width d
 * @param intermediateSize  MLP width d_ff
 * @param layers            number of blocks
 * @param heads             query heads
 * @param kvHeads           key/value heads (grouped-query attention when fewer than heads)
 * @param headDim           size of one head
 * @param maxPositions      longest sequence
 * @param normEps           epsilon of LayerNorm/RMSNorm
 * @param ropeTheta         RoPE base (Llama family)
 * @param ropeScaling       RoPE scaling, or null
 * @param tieWordEmbeddings the head reuses the token embedding
 * @param qkvBias           q, k and v projections have biases (Qwen2; Llama's attention_bias)
 * @param outputBias        the attention output projection has a bias (Llama's attention_bias)
 * @param mlpBias           the MLP projections have biases (Llama's mlp_bias; always true for GPT-2)
 * @param slidingWindow     attention window (Mistral), 0 for none
 * @param bosTokenId        beginning-of-sequence id, -1 if none
 * @param eosTokenId        end-of-text id, -1 if none
 * @param dtype             dtype of the checkpoint on disk
 */
public record TransformerConfig(
        Family family,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int maxPositions,
        double normEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias,
        int slidingWindow,
        int bosTokenId,
        int eosTokenId,
        String dtype) {

    /** Checks that the sizes fit together. */
    public TransformerConfig {
        if (vocabSize <= 0 || hiddenSize <= 0 || intermediateSize <= 0 || layers <= 0 || heads <= 0
                || kvHeads <= 0 || headDim <= 0 || maxPositions <= 0) {
            throw new InvalidRequestException("model config has a non-positive size: " + this);
        }
        if (heads % kvHeads != 0) {
            throw new InvalidRequestException("model config: num_attention_heads " + heads
                    + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        if (family != Family.GPT2 && headDim % 2 != 0) {
            throw new InvalidRequestException("model config: head_dim " + headDim + " must be even for RoPE");
        }
    }

    /** Returns the number of query heads that share one key/value head. */
    public int groupSize() {
        return heads / kvHeads;
    }
}
