package dev.amend.runtime.bench;

import dev.amend.runtime.model.Family;
import dev.amend.runtime.model.TransformerConfig;
import dev.amend.spi.InvalidRequestException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The published shapes of real models ({@code config.json} of the Hugging Face checkpoints), with the layers the
 * reference hyperparameters (ROME, MEMIT, EasyEdit, AlphaEdit) edit, so costs can be measured on randomly
 * initialised models of the real shape without downloading one.
 */
public enum ModelShape {
    /** openai-community/gpt2-xl: 48 blocks, d 1600, MLP 6400, 25 heads, tied head. 1.56B parameters. */
    GPT2_XL("gpt2-xl", 48, Map.of("rome", List.of(17), "memit", List.of(13, 14, 15, 16, 17),
            "alphaedit", List.of(13, 14, 15, 16, 17))),
    /** meta-llama/Meta-Llama-3-8B: 32 blocks, d 4096, MLP 14336, 32 query and 8 key/value heads. 8.03B parameters. */
    LLAMA3_8B("llama3-8b", 32, Map.of("rome", List.of(5), "memit", List.of(4, 5, 6, 7, 8),
            "alphaedit", List.of(4, 5, 6, 7, 8))),
    /** Qwen/Qwen2.5-7B: 28 blocks, d 3584, MLP 18944, 28 query and 4 key/value heads, q/k/v biases. 7.62B parameters. */
    QWEN25_7B("qwen2.5-7b", 28, Map.of("rome", List.of(5), "memit", List.of(4, 5, 6, 7, 8),
            "alphaedit", List.of(4, 5, 6, 7, 8)));

    private final String id;
    private final int layers;
    private final Map<String, List<Integer>> editLayers;

    ModelShape(String id, int layers, Map<String, List<Integer>> editLayers) {
        this.id = id;
        this.layers = layers;
        this.editLayers = editLayers;
    }

    /** Returns the name used on the command line. */
    public String id() {
        return id;
    }

    /** Returns the number of blocks of the published model. */
    public int layers() {
        return layers;
    }

    /** Returns the layers {@code method} ({@code rome}, {@code memit}, {@code alphaedit}) edits in this model. */
    public List<Integer> editLayers(String method) {
        List<Integer> l = editLayers.get(method);
        if (l == null) {
            throw new InvalidRequestException("bench scale measures rome, memit and alphaedit, not \"" + method + "\"");
        }
        return l;
    }

    /** Returns the number of blocks up to the last layer any method edits. */
    public int blocksToEditLayers() {
        return editLayers.values().stream().flatMap(List::stream).mapToInt(Integer::intValue).max().orElse(0) + 1;
    }

    /** Returns the configuration of this shape cut to its first {@code blocks} blocks. */
    public TransformerConfig config(int blocks) {
        if (blocks < 1 || blocks > layers) {
            throw new InvalidRequestException("--blocks for " + id + " must be 1.." + layers + ", got " + blocks);
        }
        return switch (this) {
            case GPT2_XL -> new TransformerConfig(Family.GPT2, 50257, 1600, 6400, blocks, 25, 25, 64, 1024, 1e-5, 0,
                    null, true, true, true, true, 0, 50256, 50256, "float32");
            case LLAMA3_8B -> new TransformerConfig(Family.LLAMA, 128256, 4096, 14336, blocks, 32, 8, 128, 8192, 1e-5,
                    500000, null, false, false, false, false, 0, 128000, 128001, "bfloat16");
            case QWEN25_7B -> new TransformerConfig(Family.QWEN2, 152064, 3584, 18944, blocks, 28, 4, 128, 131072,
                    1e-6, 1000000, null, false, true, false, false, 0, 151643, 151643, "bfloat16");
        };
    }

    /** Returns the shape called {@code name}, or throws naming the accepted ones. */
    public static ModelShape parse(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        for (ModelShape s : values()) {
            if (s.id.equals(n)) {
                return s;
            }
        }
        throw new InvalidRequestException("unknown shape \"" + name + "\": use "
                + Arrays.stream(values()).map(ModelShape::id).collect(Collectors.joining(", ")));
    }
}
