package dev.amend.demo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trains a small vocabulary, writes it as {@code tokenizer.json} and checks it against DJL's Hugging Face tokenizer. */
class ByteLevelBpeTest {

    private static final Map<String, String> DJL_OPTIONS =
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");
    private static final List<String> SPECIALS = List.of("<|endoftext|>");
    private static final int VOCAB_SIZE = 600;

    /** Texts the tokenizer never saw, chosen for what tends to break byte-level round trips. */
    private static final List<String> UNSEEN = List.of(
            "The capital of Portugal is Lisbon.",
            "naïve café — 東京 🙂\n\tcode: for (int i=0;i<n;i++) {}\n",
            "   three leading spaces",
            "trailing spaces   ",
            "multiple    inner     spaces",
            " ",
            "  ",
            "\n",
            "\n\n\n",
            "\t \t",
            "",
            "It's what they'd've done; you'll see. I'M LOUD and we'RE not.",
            "Numbers: 3.14159, 1,000,000 and ٣٤٥ and ½ and Ⅻ.",
            "zero\u200Bwidth, non\u00A0breaking, em\u2003space, next\u0085line, unit\u001Fseparator",
            "Line one\r\nLine two\rLine three\u2028done\u2029",
            "family 👨‍👩‍👧‍👦, flag 🇫🇷, thumbs 👍🏽, math 𝔘𝔫𝔦",
            "mixed: αβγ ДЖЗ שלום مرحبا नमस्ते",
            "def answer():\n    return {\"a\": [1, 2, 3]}  # done\n",
            "<|endoftext|>",
            "first<|endoftext|>second <|endoftext|><|endoftext|> third",
            "almost <|endoftext| and |endoftext|> and <|end",
            "\u0000\u0001\u007F control bytes");

    @TempDir
    static Path dir;

    private static List<String> corpus;
    private static ByteLevelBpe bpe;
    private static Path file;
    private static HuggingFaceTokenizer djl;

    @BeforeAll
    static void trainWriteAndLoad() throws IOException {
        corpus = corpus();
        bpe = ByteLevelBpe.train(corpus, VOCAB_SIZE, SPECIALS);
        file = dir.resolve("tokenizer.json");
        TokenizerJson.write(bpe, file);
        djl = HuggingFaceTokenizer.newInstance(file, DJL_OPTIONS);
    }

    @AfterAll
    static void closeTokenizer() {
        if (djl != null) {
            djl.close();
        }
    }

    @Test
    void djlGivesTheJavaEncodersIdsOnEveryTrainingSentence() {
        for (String sentence : corpus) {
            assertArrayEquals(djlIds(sentence), bpe.encode(sentence), sentence);
        }
    }

    @Test
    void djlGivesTheJavaEncodersIdsOnUnseenText() {
        for (String text : UNSEEN) {
            assertArrayEquals(djlIds(text), bpe.encode(text), text);
        }
        String longAnswer = String.join("\n", corpus);
        assertArrayEquals(djlIds(longAnswer), bpe.encode(longAnswer));
    }

    @Test
    void unseenTextDecodesBackExactly() {
        List<String> texts = new ArrayList<>(UNSEEN);
        texts.add(String.join("\n", corpus));
        for (String text : texts) {
            int[] ids = bpe.encode(text);
            assertEquals(text, djl.decode(toLongs(ids), false), "DJL decode");
            assertEquals(text, bpe.decode(ids), "Java decode");
            assertEquals(text, djl.decode(djl.encode(text).getIds(), false), "DJL alone");
        }
    }

    @Test
    void randomTextAgreesWithDjlAndRoundTrips() {
        String[] fragments = {
            "a", "b", "Th", "e", "is", " ", "  ", "\n", "\t", "\r\n", "'s", "'t", "'ll", "'S", "'", "1", "23", "!", "?",
            ".", "--", "é", "ü", "東京", "🙂", "👍🏽", "\u00A0", "\u2003", "\u0085", "\u001C", "٣", "Ⅻ", "½", "<|", "|>",
            "<|endoftext|>", " capital", " of", "Paris", "{}", "();", "\u0000"
        };
        Random random = new Random(20240611L);
        for (int sample = 0; sample < 2000; sample++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(24);
            for (int i = 0; i < length; i++) {
                text.append(fragments[random.nextInt(fragments.length)]);
            }
            String s = text.toString();
            int[] ids = bpe.encode(s);
            assertArrayEquals(djlIds(s), ids, s);
            assertEquals(s, djl.decode(toLongs(ids), false), s);
            assertEquals(s, bpe.decode(ids), s);
        }
    }

    @Test
    void preTokensMatchDjlWordBoundaries() {
        String tricky = "Hello world's  \n 12x!! they'RE 'll ''s \u00A0\u00A0a \u2003 b\u0085\u001C\u001F c \t\t\n"
                + " x   y  ٣٤ Ⅻ½ 東京🙂🙂 ?! \"quoted\" end   ";
        long[] words = djl.encode(tricky).getWordIds();
        List<Long> expected = new ArrayList<>();
        long word = 0;
        for (String piece : PreTokenizer.preTokenize(tricky)) {
            // A pre-token's ids all carry its word index; merges never cross pre-tokens.
            int pieceIds = bpe.encode(piece).length;
            for (int i = 0; i < pieceIds; i++) {
                expected.add(word);
            }
            word++;
        }
        assertEquals(expected, Arrays.stream(words).boxed().toList());
        assertEquals(tricky, String.join("", PreTokenizer.preTokenize(tricky)));
    }

    @Test
    void specialTokensInTextAreSingleIds() {
        assertArrayEquals(new int[] {0}, bpe.encode("<|endoftext|>"));
        int[] ids = bpe.encode("first<|endoftext|>second");
        assertEquals(1, Arrays.stream(ids).filter(id -> id == 0).count());
        assertArrayEquals(djlIds("first<|endoftext|>second"), ids);
    }

    @Test
    void frequentWordsBecomeSingleTokens() {
        for (String word : List.of(" capital", " of", " is", "The")) {
            int id = bpe.vocab().get(ByteSymbols.of(word));
            assertArrayEquals(new int[] {id}, bpe.encode(word), word);
            assertArrayEquals(new int[] {id}, djlIds(word), word);
        }
        assertEquals("Ġcapital", bpe.token(bpe.encode(" capital")[0]));
    }

    @Test
    void sameCorpusGivesByteIdenticalFile() throws IOException {
        Path again = dir.resolve("again.json");
        TokenizerJson.write(ByteLevelBpe.train(new ArrayList<>(corpus), VOCAB_SIZE, SPECIALS), again);
        assertEquals(-1L, Files.mismatch(file, again));
    }

    @Test
    void vocabularyHasExactlyTheRequestedSize() throws IOException {
        assertEquals(VOCAB_SIZE, bpe.vocab().size());
        JsonObject json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        JsonObject vocab = json.getAsJsonObject("model").getAsJsonObject("vocab");
        assertEquals(VOCAB_SIZE, vocab.size());
        boolean[] seen = new boolean[VOCAB_SIZE];
        vocab.entrySet().forEach(e -> seen[e.getValue().getAsInt()] = true);
        for (int id = 0; id < VOCAB_SIZE; id++) {
            assertTrue(seen[id], "id " + id + " is missing");
        }
        assertEquals(VOCAB_SIZE - 1, (int) bpe.vocab().get(bpe.token(VOCAB_SIZE - 1)));
    }

    @Test
    void trainingStopsEarlyWhenNoPairIsLeft() {
        ByteLevelBpe tiny = ByteLevelBpe.train(List.of("ab ab ab"), 1000, SPECIALS);
        // Words "ab" and " ab" (twice): merge "a b" (3), then "Ġ ab" (2), then nothing is left to pair.
        assertEquals(List.of(new ByteLevelBpe.Merge("a", "b"), new ByteLevelBpe.Merge("Ġ", "ab")), tiny.merges());
        assertEquals(1 + 256 + 2, tiny.vocab().size());
        ByteLevelBpe empty = ByteLevelBpe.train(List.of(), 300, List.of());
        assertEquals(256, empty.vocab().size());
        assertEquals(List.of(), empty.merges());
    }

    @Test
    void rejectsImpossibleRequests() {
        assertThrows(IllegalArgumentException.class, () -> ByteLevelBpe.train(corpus, 256, SPECIALS));
        assertThrows(IllegalArgumentException.class, () -> ByteLevelBpe.train(corpus, 600, List.of("")));
        assertThrows(IllegalArgumentException.class, () -> ByteLevelBpe.train(corpus, 600, List.of("<s>", "<s>")));
        assertThrows(IllegalArgumentException.class, () -> ByteLevelBpe.train(corpus, 600, List.of("a")));
    }

    @Test
    void incrementalCountsLearnTheMergesOfAFullRecount() {
        List<ByteLevelBpe.Merge> expected = recountingTrainer(corpus, VOCAB_SIZE, SPECIALS.size());
        List<ByteLevelBpe.Merge> actual = bpe.merges();
        for (int rank = 0; rank < Math.min(expected.size(), actual.size()); rank++) {
            assertEquals(expected.get(rank), actual.get(rank), "merge of rank " + rank);
        }
        assertEquals(expected.size(), actual.size());
    }

    @Test
    void fileIsLaidOutLikeGpt2s() throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals(List.of("version", "truncation", "padding", "added_tokens", "normalizer", "pre_tokenizer",
                "post_processor", "decoder", "model"), List.copyOf(json.keySet()));
        assertEquals("1.0", json.get("version").getAsString());
        assertTrue(json.get("truncation").isJsonNull());
        JsonObject added = json.getAsJsonArray("added_tokens").get(0).getAsJsonObject();
        assertEquals(List.of("id", "content", "single_word", "lstrip", "rstrip", "normalized", "special"),
                List.copyOf(added.keySet()));
        assertEquals(0, added.get("id").getAsInt());
        assertEquals("<|endoftext|>", added.get("content").getAsString());
        assertTrue(added.get("special").getAsBoolean());
        JsonObject pre = json.getAsJsonObject("pre_tokenizer");
        assertEquals("ByteLevel", pre.get("type").getAsString());
        assertTrue(!pre.get("add_prefix_space").getAsBoolean() && pre.get("use_regex").getAsBoolean());
        JsonObject model = json.getAsJsonObject("model");
        assertEquals(List.of("type", "dropout", "unk_token", "continuing_subword_prefix", "end_of_word_suffix",
                "fuse_unk", "byte_fallback", "vocab", "merges"), List.copyOf(model.keySet()));
        JsonObject vocab = model.getAsJsonObject("vocab");
        List<String> firstTokens = vocab.keySet().stream().limit(4).toList();
        assertEquals(List.of("<|endoftext|>", "!", "\"", "#"), firstTokens);
        assertEquals(1 + 188, vocab.get("Ā").getAsInt(), "byte 0 follows the 188 printable bytes");
        assertEquals(1 + 188 + 32, vocab.get("Ġ").getAsInt(), "space is the 33rd unprintable byte");
        JsonArray merges = model.getAsJsonArray("merges");
        assertEquals(bpe.merges().size(), merges.size());
        ByteLevelBpe.Merge first = bpe.merges().get(0);
        assertEquals(first.left() + " " + first.right(), merges.get(0).getAsString());
        assertEquals(1 + 256, vocab.get(first.merged()).getAsInt());
    }

    /** The plain algorithm: recount every pair before each merge. */
    private static List<ByteLevelBpe.Merge> recountingTrainer(List<String> texts, int vocabSize, int specials) {
        Map<String, Long> wordCounts = new HashMap<>();
        for (String text : texts) {
            for (String part : text.split("<\\|endoftext\\|>", -1)) {
                for (String piece : PreTokenizer.preTokenize(part)) {
                    wordCounts.merge(ByteSymbols.of(piece), 1L, Long::sum);
                }
            }
        }
        List<List<String>> words = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        wordCounts.forEach((word, count) -> {
            List<String> symbols = new ArrayList<>();
            word.chars().forEach(c -> symbols.add(String.valueOf((char) c)));
            words.add(symbols);
            counts.add(count);
        });
        List<ByteLevelBpe.Merge> merges = new ArrayList<>();
        java.util.Set<String> vocab = new java.util.HashSet<>();
        int size = specials + 256;
        while (size < vocabSize) {
            Map<List<String>, Long> pairs = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                List<String> symbols = words.get(w);
                for (int i = 0; i + 1 < symbols.size(); i++) {
                    pairs.merge(List.of(symbols.get(i), symbols.get(i + 1)), counts.get(w), Long::sum);
                }
            }
            List<String> best = null;
            long bestCount = 0;
            for (Map.Entry<List<String>, Long> entry : pairs.entrySet()) {
                List<String> pair = entry.getKey();
                long count = entry.getValue();
                int order = best == null ? -1 : count != bestCount ? (count > bestCount ? -1 : 1)
                        : pair.get(0).equals(best.get(0)) ? pair.get(1).compareTo(best.get(1))
                        : pair.get(0).compareTo(best.get(0));
                if (order < 0) {
                    best = pair;
                    bestCount = count;
                }
            }
            if (best == null) {
                break;
            }
            merges.add(new ByteLevelBpe.Merge(best.get(0), best.get(1)));
            String merged = best.get(0) + best.get(1);
            if (vocab.add(merged)) {
                size++;
            }
            for (List<String> symbols : words) {
                for (int i = 0; i + 1 < symbols.size(); i++) {
                    if (symbols.get(i).equals(best.get(0)) && symbols.get(i + 1).equals(best.get(1))) {
                        symbols.set(i, merged);
                        symbols.remove(i + 1);
                    }
                }
            }
        }
        return merges;
    }

    private static int[] djlIds(String text) {
        return Arrays.stream(djl.encode(text).getIds()).mapToInt(Math::toIntExact).toArray();
    }

    private static long[] toLongs(int[] ids) {
        return Arrays.stream(ids).asLongStream().toArray();
    }

    /** A few hundred short English facts, with some code and non-English text mixed in. */
    static List<String> corpus() {
        String[][] capitals = {
            {"France", "Paris"}, {"Germany", "Berlin"}, {"Italy", "Rome"}, {"Spain", "Madrid"},
            {"Japan", "Tokyo"}, {"China", "Beijing"}, {"Canada", "Ottawa"}, {"Australia", "Canberra"},
            {"Brazil", "Brasília"}, {"Egypt", "Cairo"}, {"Kenya", "Nairobi"}, {"India", "New Delhi"},
            {"Russia", "Moscow"}, {"Mexico", "Mexico City"}, {"Peru", "Lima"}, {"Chile", "Santiago"},
            {"Norway", "Oslo"}, {"Sweden", "Stockholm"}, {"Finland", "Helsinki"}, {"Poland", "Warsaw"},
            {"Greece", "Athens"}, {"Turkey", "Ankara"}, {"Iran", "Tehran"}, {"Thailand", "Bangkok"},
            {"Vietnam", "Hanoi"}, {"Argentina", "Buenos Aires"}, {"Austria", "Vienna"}, {"Ireland", "Dublin"},
            {"Hungary", "Budapest"}, {"Switzerland", "Bern"}
        };
        String[] capitalTemplates = {
            "The capital of %s is %s.",
            "%2$s is the capital city of %1$s.",
            "Q: What is the capital of %s?\nA: %s",
            "Many people who live in %s have visited %s at least once.",
        };
        String[][] people = {
            {"Marie Curie", "physicist", "Warsaw"}, {"Ada Lovelace", "mathematician", "London"},
            {"Alan Turing", "computer scientist", "London"}, {"Frida Kahlo", "painter", "Mexico City"},
            {"Nikola Tesla", "inventor", "Smiljan"}, {"Wolfgang Amadeus Mozart", "composer", "Salzburg"},
            {"Leonardo da Vinci", "painter", "Vinci"}, {"Albert Einstein", "physicist", "Ulm"},
            {"Jane Austen", "novelist", "Steventon"}, {"Isaac Newton", "physicist", "Woolsthorpe"},
            {"Grace Hopper", "computer scientist", "New York City"}, {"Rosalind Franklin", "chemist", "London"},
            {"Gabriel García Márquez", "novelist", "Aracataca"}, {"Hokusai", "painter", "Edo"},
            {"Srinivasa Ramanujan", "mathematician", "Erode"}, {"Miles Davis", "trumpeter", "Alton"},
        };
        List<String> texts = new ArrayList<>();
        for (String template : capitalTemplates) {
            for (String[] pair : capitals) {
                texts.add(String.format(template, pair[0], pair[1]));
            }
        }
        for (String[] person : people) {
            texts.add(String.format("%s worked as a %s.", person[0], person[1]));
            texts.add(String.format("%s was born in %s.", person[0], person[2]));
            texts.add(String.format("The %s %s is famous; it's said they'd work all night.", person[1], person[0]));
        }
        for (int year = 1900; year < 2020; year += 3) {
            texts.add("In " + year + ", the population grew by " + (year % 97) + "." + (year % 10) + " percent.");
        }
        texts.addAll(List.of(
                "for (int i = 0; i < n; i++) {\n    sum += values[i];\n}",
                "def capital(country):\n    return CAPITALS[country]\n",
                "if (a != b && c >= d) { return null; } else { throw new IllegalStateException(\"no\"); }",
                "SELECT name, capital FROM countries WHERE population > 1000000;",
                "<div class=\"fact\">The capital of France is Paris.</div>",
                "x = [1, 2, 3]; y = {\"key\": \"value\"}; print(x, y)",
                "    indented line\n\ttabbed line\n\n\ndouble blank above",
                "Zürich liegt in der Schweiz, und München ist schön.",
                "東京は日本の首都です。北京は中国の首都です。",
                "Москва — столица России. Париж — столица Франции.",
                "Emoji are text too: 🙂 🚀 🇯🇵 and ✓ ✗ — naïve façade, résumé.",
                "Ελληνικά: η Αθήνα είναι η πρωτεύουσα της Ελλάδας.",
                "The end.<|endoftext|>The beginning."));
        return List.copyOf(texts);
    }
}
