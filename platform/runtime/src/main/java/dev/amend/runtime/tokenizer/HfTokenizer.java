package dev.amend.runtime.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.amend.runtime.MalformedCheckpointException;
import dev.amend.runtime.model.TransformerConfig;
import dev.amend.spi.model.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} run by DJL's tokenizers binding, with truncation and padding
 * switched off explicitly (a {@code truncation} section in the file would otherwise cut input silently).
 */
public final class HfTokenizer implements TextTokenizer {
    private final HuggingFaceTokenizer tokenizer;
    private final Path source;
    private final OptionalInt bos;
    private final OptionalInt eos;
    private final int vocabSize;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, Path source, OptionalInt bos, OptionalInt eos, int vocabSize) {
        this.tokenizer = tokenizer;
        this.source = source;
        this.bos = bos;
        this.eos = eos;
        this.vocabSize = vocabSize;
    }

    /** Returns the tokenizer in {@code file}, with special ids taken from {@code config} where it has them. */
    public static HfTokenizer load(Path file, TransformerConfig config) {
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.newInstance(file, Map.of(
                    "addSpecialTokens", "false",
                    "truncation", "false",
                    "padding", "false",
                    "maxLength", String.valueOf(Integer.MAX_VALUE / 2)));
        } catch (IOException | RuntimeException e) {
            throw new MalformedCheckpointException(file, "cannot load tokenizer: " + e.getMessage(), e);
        }
        long[] plain = tok.encode("a", false, false).getIds();
        long[] special = tok.encode("a", true, false).getIds();
        OptionalInt bos = special.length > plain.length ? OptionalInt.of((int) special[0]) : OptionalInt.empty();
        OptionalInt eos = config.eosTokenId() >= 0 ? OptionalInt.of(config.eosTokenId()) : OptionalInt.empty();
        return new HfTokenizer(tok, file, bos, eos, config.vocabSize());
    }

    /** Returns the file the tokenizer was read from. */
    public Path source() {
        return source;
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        Encoding enc = tokenizer.encode(text, false, false);
        long[] ids = enc.getIds();
        int extra = addBos && bos.isPresent() ? 1 : 0;
        int[] out = new int[ids.length + extra];
        if (extra == 1) {
            out[0] = bos.getAsInt();
        }
        for (int i = 0; i < ids.length; i++) {
            out[i + extra] = (int) ids[i];
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] l = Arrays.stream(ids).asLongStream().toArray();
        return tokenizer.decode(l, true);
    }

    @Override
    public OptionalInt bos() {
        return bos;
    }

    @Override
    public OptionalInt eos() {
        return eos;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }
}
