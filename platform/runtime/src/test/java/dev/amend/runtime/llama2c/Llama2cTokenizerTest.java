package dev.amend.runtime.llama2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.runtime.MalformedCheckpointException;
import dev.amend.runtime.SharedFixtures;
import dev.amend.spi.InvalidRequestException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks {@link Llama2cTokenizer} against the stories260K goldens (tok512.bin) and run.c's encode rules. */
class Llama2cTokenizerTest {
    private static Path fixture;
    private static Llama2cTokenizer tokenizer;
    private static JsonObject golden;
    private static Map<String, Integer> idsByPiece;

    @BeforeAll
    static void load() throws IOException {
        fixture = SharedFixtures.require("fixtures/stories260K");
        tokenizer = Llama2cTokenizer.read(fixture.resolve("tok512.bin"));
        golden = JsonParser.parseString(Files.readString(fixture.resolve("golden.json"))).getAsJsonObject();
    }

    @Test
    void readsTheVocabularyFacts() {
        assertEquals(512, tokenizer.vocabSize());
        assertEquals(7, tokenizer.maxTokenLength());
        assertEquals(1, tokenizer.bos().getAsInt());
        assertEquals(2, tokenizer.eos().getAsInt());
        assertEquals("<unk>", tokenizer.piece(0));
        assertEquals("\n<s>\n", tokenizer.piece(1));
        assertEquals("\n</s>\n", tokenizer.piece(2));
        assertEquals("<0x00>", tokenizer.piece(3));
        assertEquals("<0xFF>", tokenizer.piece(258));
        assertEquals(" Lily", tokenizer.piece(317));
        assertEquals(" ", tokenizer.piece(410));
        assertEquals(0f, tokenizer.score(258));
        assertEquals(-(400 - 259), tokenizer.score(400));
    }

    @Test
    void encodesTheReadmeExample() {
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, tokenizer.encode("Once upon a time", true));
        assertArrayEquals(new int[] {403, 407, 261, 378}, tokenizer.encode("Once upon a time", false));
        assertEquals(" Once", tokenizer.piece(403));
        assertEquals(" upon", tokenizer.piece(407));
        assertEquals(" a", tokenizer.piece(261));
        assertEquals(" time", tokenizer.piece(378));
    }

    @Test
    void emptyTextHasNoDummyPrefix() {
        assertArrayEquals(new int[] {1}, tokenizer.encode("", true));
        assertArrayEquals(new int[0], tokenizer.encode("", false));
    }

    @Test
    void everyGoldenPromptEncodesToItsPromptIds() {
        for (JsonElement e : golden.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String prompt = c.get("prompt").getAsString();
            assertArrayEquals(ints(c.getAsJsonArray("prompt_ids")), tokenizer.encode(prompt, true), prompt);
        }
        JsonObject logits = golden.getAsJsonObject("logits_check");
        assertArrayEquals(ints(logits.getAsJsonArray("prompt_ids")),
                tokenizer.encode(logits.get("prompt").getAsString(), true));
    }

    @Test
    void decodesGoldenIdsToGoldenTexts() {
        for (JsonElement e : golden.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            int[] prompt = ints(c.getAsJsonArray("prompt_ids"));
            int[] generated = ints(c.getAsJsonArray("generated_ids"));
            int[] all = concat(prompt, generated);
            assertEquals(c.get("prompt").getAsString(), tokenizer.decode(prompt));
            assertEquals(c.get("completion_text").getAsString(), tokenizer.decode(generated));
            assertEquals(c.get("decoded_text").getAsString(), tokenizer.decode(all));
        }
    }

    @Test
    void decodeInvertsEncode() {
        for (String text : List.of("Once upon a time", "Lily wanted to", " leading space", "trailing space ",
                "Hello,\tWorld!\n\nTwo  spaces", "naïve café — “quoted” ’tis… 😀 ✓ 中文", "\u0000 nul",
                "x")) {
            assertEquals(text, tokenizer.decode(tokenizer.encode(text, true)), text);
            assertEquals(" " + text, tokenizer.decode(tokenizer.encode(text, false)), text);
        }
    }

    @Test
    void usesPiecesForKnownCodePointsAndBytesOtherwise() {
        // "é" is a piece of tok512; "ï" is not, so its two UTF-8 bytes C3 AF become <0xC3> <0xAF>.
        int eAcute = id("é");
        assertArrayEquals(new int[] {1, 410, eAcute}, tokenizer.encode("é", true));
        assertArrayEquals(new int[] {1, 410, 0xC3 + 3, 0xAF + 3}, tokenizer.encode("ï", true));
        assertEquals("ï", tokenizer.decode(new int[] {1, 410, 0xC3 + 3, 0xAF + 3}).strip());
        // a four-byte code point not in the vocabulary: four byte tokens after the dummy prefix
        assertArrayEquals(new int[] {410, 0xF0 + 3, 0x9F + 3, 0x98 + 3, 0x80 + 3}, tokenizer.encode("😀", false));
    }

    @Test
    void decodeSkipsSpecialTokensAndStripsOnlyTheSpaceAfterBos() {
        assertEquals("Once", tokenizer.decode(new int[] {1, 403}));
        assertEquals(" Once", tokenizer.decode(new int[] {403}));
        assertEquals(" Once upon", tokenizer.decode(new int[] {0, 403, 2, 407}));
        assertEquals("", tokenizer.decode(new int[] {1, 2, 0}));
        assertThrows(InvalidRequestException.class, () -> tokenizer.decode(new int[] {512}));
        assertThrows(InvalidRequestException.class, () -> tokenizer.decode(new int[] {-1}));
    }

    @Test
    void matchesAPlainReimplementationOfRunCsMergeLoop() {
        Random random = new Random(42);
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ  ..,,!?'\"\n\té—ï😀";
        List<String> texts = new ArrayList<>();
        for (JsonElement e : golden.getAsJsonArray("cases")) {
            texts.add(e.getAsJsonObject().get("text").getAsString());
        }
        for (int t = 0; t < 200; t++) {
            StringBuilder sb = new StringBuilder();
            int length = random.nextInt(40);
            for (int i = 0; i < length; i++) {
                sb.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0,
                        random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
            }
            texts.add(sb.toString());
        }
        for (String text : texts) {
            assertArrayEquals(quadraticEncode(text), tokenizer.encode(text, true), text);
        }
    }

    @Test
    void encodesTwoThousandCharactersInMilliseconds() {
        StringBuilder sb = new StringBuilder();
        for (JsonElement e : golden.getAsJsonArray("cases")) {
            sb.append(e.getAsJsonObject().get("text").getAsString()).append("\n");
        }
        while (sb.length() < 2000) {
            sb.append(sb);
        }
        String text = sb.substring(0, 2000);
        int[] expected = quadraticEncode(text);
        for (int warmup = 0; warmup < 5; warmup++) {
            tokenizer.encode(text, true);
        }
        long start = System.nanoTime();
        int[] ids = tokenizer.encode(text, true);
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("tok512: encoded %d characters into %d ids in %d ms%n", text.length(), ids.length, millis);
        assertArrayEquals(expected, ids);
        assertEquals(text, tokenizer.decode(ids));
        assertTrue(millis < 100, "encoding 2,000 characters took " + millis + " ms");
    }

    @Test
    void refusesATruncatedFile(@TempDir Path dir) throws IOException {
        byte[] full = Files.readAllBytes(fixture.resolve("tok512.bin"));
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(full, full.length - 3));
        MalformedCheckpointException e = assertThrows(MalformedCheckpointException.class, () -> Llama2cTokenizer.read(cut));
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("token 511"), e.getMessage());
    }

    @Test
    void refusesMalformedHeadersAndEntries(@TempDir Path dir) throws IOException {
        Path tiny = write(dir.resolve("tiny.bin"), ByteBuffer.allocate(2).array());
        assertMessageNames(tiny, assertThrows(MalformedCheckpointException.class, () -> Llama2cTokenizer.read(tiny)));

        Path zeroMax = write(dir.resolve("zero.bin"), le(12).putInt(0).putFloat(0).putInt(0).array());
        MalformedCheckpointException e = assertThrows(MalformedCheckpointException.class, () -> Llama2cTokenizer.read(zeroMax));
        assertMessageNames(zeroMax, e);
        assertTrue(e.getMessage().contains("max_token_length"), e.getMessage());

        Path negative = write(dir.resolve("negative.bin"), le(12).putInt(7).putFloat(0).putInt(-4).array());
        e = assertThrows(MalformedCheckpointException.class, () -> Llama2cTokenizer.read(negative));
        assertMessageNames(negative, e);
        assertTrue(e.getMessage().contains("length -4"), e.getMessage());

        Path tooLong = write(dir.resolve("long.bin"), le(18).putInt(2).putFloat(0).putInt(6).put(new byte[6]).array());
        e = assertThrows(MalformedCheckpointException.class, () -> Llama2cTokenizer.read(tooLong));
        assertTrue(e.getMessage().contains("max_token_length"), e.getMessage());

        Path nan = write(dir.resolve("nan.bin"), le(13).putInt(1).putFloat(Float.NaN).putInt(1).put((byte) 'a').array());
        e = assertThrows(MalformedCheckpointException.class, () -> Llama2cTokenizer.read(nan));
        assertTrue(e.getMessage().contains("finite"), e.getMessage());

        ByteBuffer two = le(4 + 2 * 9).putInt(1);
        two.putFloat(0).putInt(1).put((byte) 'a').putFloat(0).putInt(1).put((byte) 'b');
        Path tooFew = write(dir.resolve("few.bin"), two.array());
        e = assertThrows(MalformedCheckpointException.class, () -> Llama2cTokenizer.read(tooFew));
        assertTrue(e.getMessage().contains("holds 2 tokens"), e.getMessage());
    }

    // ---- helpers --------------------------------------------------------------------------------

    /**
     * run.c's encode written the obvious way: rescan every adjacent pair after each merge and take
     * the strictly best score (so the leftmost on ties).
     */
    private static int[] quadraticEncode(String text) {
        List<Integer> ids = new ArrayList<>();
        ids.add(1);
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > 0) {
            ids.add(410);
        }
        for (int i = 0; i < utf8.length; ) {
            int j = i + 1;
            while (j < utf8.length && (utf8[j] & 0xC0) == 0x80 && j - i < 4) {
                j++;
            }
            int id = id(Arrays.copyOfRange(utf8, i, j));
            if (id >= 0) {
                ids.add(id);
            } else {
                for (int k = i; k < j; k++) {
                    ids.add((utf8[k] & 0xFF) + 3);
                }
            }
            i = j;
        }
        while (true) {
            float bestScore = Float.NEGATIVE_INFINITY;
            int bestId = -1;
            int bestIndex = -1;
            for (int i = 0; i + 1 < ids.size(); i++) {
                int merged = id(concat(pieceBytes(ids.get(i)), pieceBytes(ids.get(i + 1))));
                if (merged >= 0 && tokenizer.score(merged) > bestScore) {
                    bestScore = tokenizer.score(merged);
                    bestId = merged;
                    bestIndex = i;
                }
            }
            if (bestIndex < 0) {
                break;
            }
            ids.set(bestIndex, bestId);
            ids.remove(bestIndex + 1);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static byte[] pieceBytes(int id) {
        return tokenizer.piece(id).getBytes(StandardCharsets.UTF_8);
    }

    private static int id(String piece) {
        return id(piece.getBytes(StandardCharsets.UTF_8));
    }

    /** Looks a piece up in a table built here, independent of the tokenizer's own (first id wins). */
    private static int id(byte[] piece) {
        if (idsByPiece == null) {
            Map<String, Integer> table = new HashMap<>();
            for (int i = 0; i < tokenizer.vocabSize(); i++) {
                table.putIfAbsent(new String(pieceBytes(i), StandardCharsets.ISO_8859_1), i);
            }
            idsByPiece = table;
        }
        return idsByPiece.getOrDefault(new String(piece, StandardCharsets.ISO_8859_1), -1);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static int[] ints(JsonArray array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).getAsInt();
        }
        return out;
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static Path write(Path file, byte[] content) throws IOException {
        Files.write(file, content);
        return file;
    }

    private static void assertMessageNames(Path file, MalformedCheckpointException e) {
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
}
