package dev.amend.demo.tokenizer;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a {@link ByteLevelBpe} as a Hugging Face {@code tokenizer.json} laid out like GPT-2's: a
 * {@code ByteLevel} pre-tokenizer, post-processor and decoder around a {@code BPE} model, the special
 * tokens as added tokens. Keys are written in a fixed order, the vocabulary in id order and the merges in
 * rank order, so the same vocabulary always gives the same bytes.
 */
public final class TokenizerJson {

    private TokenizerJson() {}

    /** Writes {@code bpe} to {@code file} as UTF-8 JSON, replacing what is there. */
    public static void write(ByteLevelBpe bpe, Path file) throws IOException {
        Files.writeString(file, toJson(bpe), StandardCharsets.UTF_8);
    }

    /** Returns {@code bpe} as the text of a {@code tokenizer.json}, indented by two spaces, ending in a newline. */
    public static String toJson(ByteLevelBpe bpe) {
        StringWriter text = new StringWriter();
        try (JsonWriter json = new JsonWriter(text)) {
            json.setIndent("  ");
            json.setSerializeNulls(true);
            json.setHtmlSafe(false);
            json.beginObject();
            json.name("version").value("1.0");
            json.name("truncation").nullValue();
            json.name("padding").nullValue();
            writeAddedTokens(json, bpe);
            json.name("normalizer").nullValue();
            json.name("pre_tokenizer");
            writeByteLevel(json, false, true);
            json.name("post_processor");
            writeByteLevel(json, true, false);
            json.name("decoder");
            writeByteLevel(json, true, true);
            json.name("model");
            writeModel(json, bpe);
            json.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a string cannot fail", e);
        }
        return text.append('\n').toString();
    }

    /** The special tokens, flagged as GPT-2 flags {@code <|endoftext|>}. */
    private static void writeAddedTokens(JsonWriter json, ByteLevelBpe bpe) throws IOException {
        json.name("added_tokens").beginArray();
        for (String special : bpe.specialTokens()) {
            json.beginObject();
            json.name("id").value(bpe.vocab().get(special).longValue());
            json.name("content").value(special);
            json.name("single_word").value(false);
            json.name("lstrip").value(false);
            json.name("rstrip").value(false);
            json.name("normalized").value(true);
            json.name("special").value(true);
            json.endObject();
        }
        json.endArray();
    }

    private static void writeByteLevel(JsonWriter json, boolean addPrefixSpace, boolean trimOffsets)
            throws IOException {
        json.beginObject();
        json.name("type").value("ByteLevel");
        json.name("add_prefix_space").value(addPrefixSpace);
        json.name("trim_offsets").value(trimOffsets);
        json.name("use_regex").value(true);
        json.endObject();
    }

    private static void writeModel(JsonWriter json, ByteLevelBpe bpe) throws IOException {
        json.beginObject();
        json.name("type").value("BPE");
        json.name("dropout").nullValue();
        json.name("unk_token").nullValue();
        json.name("continuing_subword_prefix").value("");
        json.name("end_of_word_suffix").value("");
        json.name("fuse_unk").value(false);
        json.name("byte_fallback").value(false);
        json.name("vocab").beginObject();
        for (Map.Entry<String, Integer> entry : bpe.vocab().entrySet()) {
            json.name(entry.getKey()).value(entry.getValue().longValue());
        }
        json.endObject();
        json.name("merges").beginArray();
        for (ByteLevelBpe.Merge merge : bpe.merges()) {
            json.value(merge.left() + " " + merge.right());
        }
        json.endArray();
        json.endObject();
    }
}
