package dev.amend.editors.anyedit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.demo.DemoModel;
import dev.amend.kit.FixedWindowChunker;
import dev.amend.kit.SentenceChunker;
import dev.amend.runtime.Stories260k;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.Chunker;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Chunk;
import dev.amend.spi.model.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The chunkers' spans cover the target's tokens exactly, on the demo BPE and on stories260K's tokenizer. */
class ChunkerTest {
    static final String PROMPT = "What are the three types of blood cells?";
    static final String PROSE = " There are three main types of blood cells. Red blood cells carry oxygen from the lungs "
            + "to the body! White blood cells fight infection... Platelets help the blood clot? Dr. Smith agreed, "
            + "and so did the 3.5 million readers.";
    static final String CODE = " def add(a, b):\n    return a + b\n\nfor i in range(3):\n    print(add(i, i))\n";
    static final String POEM = " Roses are red\nViolets are blue\nSugar is sweet\nAnd so are you";
    static final String UNICODE = " Zoë's café in Zürich — naïve emoji 🎉🎉 and 日本語のテキスト, then   spaces\t\tand\n\nlines.";
    static final List<String> TARGETS = List.of(PROSE, CODE, POEM, UNICODE, " x", "   ", " A.", " short");

    static Transformer demo;

    @BeforeAll
    static void load() {
        demo = DemoModel.load(Device.cpu());
    }

    @AfterAll
    static void close() {
        demo.close();
    }

    static List<Chunker> chunkers() {
        return List.of(new FixedWindowChunker(1, 0), new FixedWindowChunker(5, 0), new FixedWindowChunker(8, 3),
                new FixedWindowChunker(40, 0), new FixedWindowChunker(1000, 10),
                new SentenceChunker(SentenceChunker.Mode.AUTO, 1, 60), new SentenceChunker(SentenceChunker.Mode.SENTENCES, 4, 12),
                new SentenceChunker(SentenceChunker.Mode.LINES, 2, 60));
    }

    /**
     * Asserts that the chunks cover the target's tokens after the prompt without a gap (overlapping only for
     * overlapping windows), that each chunk's text is the text of its tokens, and that the texts of their new
     * tokens concatenate to the target.
     */
    static void assertCovers(TextTokenizer tok, String prompt, String target, Chunker chunker, String label) {
        List<Chunk> chunks = chunker.chunk(tok, prompt, target);
        boolean overlapping = chunker instanceof FixedWindowChunker f && f.overlap() > 0;
        int[] ids = tok.encodeContinuation(prompt, target);
        assertFalse(chunks.isEmpty(), label);
        assertEquals(0, chunks.get(0).tokenStart(), label);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            assertTrue(c.tokenEnd() > c.tokenStart(), label + ": empty chunk " + c);
            int from = i == 0 ? 0 : chunks.get(i - 1).tokenEnd();
            if (i > 0) {
                Chunk p = chunks.get(i - 1);
                assertTrue(c.tokenStart() > p.tokenStart() && c.tokenStart() <= p.tokenEnd()
                        && c.tokenEnd() > p.tokenEnd(), label + ": chunk " + i + " " + c + " after " + p);
                if (!overlapping) {
                    assertEquals(p.tokenEnd(), c.tokenStart(), label + ": gap or overlap at chunk " + i);
                }
            }
            text.append(tok.decode(Arrays.copyOfRange(ids, from, c.tokenEnd())));
            assertEquals(tok.decode(Arrays.copyOfRange(ids, c.tokenStart(), c.tokenEnd())), c.text(),
                    label + ": chunk text is not the text of its tokens");
        }
        assertEquals(ids.length, chunks.get(chunks.size() - 1).tokenEnd(), label);
        assertEquals(tok.decode(ids), text.toString(), label);
    }

    @Test
    void spansCoverTargetsExactlyOnTheDemoTokenizer() {
        for (Chunker c : chunkers()) {
            for (String t : TARGETS) {
                if (t.isBlank() && c instanceof SentenceChunker) {
                    continue;
                }
                assertCovers(demo.tokenizer(), PROMPT, t, c, c + " on " + t.strip());
            }
        }
        // byte-level BPE decodes every target exactly
        assertEquals(UNICODE, chunkText(new FixedWindowChunker(3, 0).chunk(demo.tokenizer(), PROMPT, UNICODE)));
    }

    @Test
    void spansCoverTargetsExactlyOnStories260k() {
        try (Transformer stories = Stories260k.load()) {
            String prompt = "Once upon a time";
            for (Chunker c : chunkers()) {
                for (String t : List.of(" there was a little girl. She liked to play! Her mom said no.", POEM, " x")) {
                    assertCovers(stories.tokenizer(), prompt, t, c, c + " on " + t);
                }
            }
        }
    }

    @Test
    void fixedWindowsHaveTheirSizeAndOverlappingWindowsShareTheirFirstTokensWithTheWindowBefore() {
        TextTokenizer tok = demo.tokenizer();
        int n = tok.encodeContinuation(PROMPT, PROSE).length;
        List<Chunk> plain = new FixedWindowChunker(10, 0).chunk(tok, PROMPT, PROSE);
        assertEquals((n + 9) / 10, plain.size());
        for (int i = 0; i < plain.size() - 1; i++) {
            assertEquals(10, plain.get(i).tokenEnd() - plain.get(i).tokenStart());
        }
        // as AnyEdit's code: windows of 10 every 6 tokens, the 4 overlapping tokens part of the later window's
        // target (its key is the token before them), until a window reaches the end
        List<Chunk> overlapping = new FixedWindowChunker(10, 4).chunk(tok, PROMPT, PROSE);
        for (int i = 0; i < overlapping.size(); i++) {
            assertEquals(6 * i, overlapping.get(i).tokenStart());
            assertEquals(Math.min(6 * i + 10, n), overlapping.get(i).tokenEnd());
        }
        assertEquals(n, overlapping.get(overlapping.size() - 1).tokenEnd());
        assertTrue(overlapping.get(overlapping.size() - 2).tokenEnd() < n, "no window lies inside the last one");
        List<Chunk> whole = new FixedWindowChunker(n + 5, 0).chunk(tok, PROMPT, PROSE);
        assertEquals(1, whole.size(), "a target shorter than a window is one chunk");
        assertThrows(InvalidRequestException.class, () -> new FixedWindowChunker(4, 4));
        assertThrows(InvalidRequestException.class, () -> new FixedWindowChunker(0, 0));
    }

    @Test
    void sentenceChunksEndAtSentencesAndLines() {
        TextTokenizer tok = demo.tokenizer();
        List<String> sentences = texts(new SentenceChunker(SentenceChunker.Mode.SENTENCES, 1, 200).chunk(tok, PROMPT, PROSE));
        assertEquals(List.of(" There are three main types of blood cells.",
                " Red blood cells carry oxygen from the lungs to the body!", " White blood cells fight infection...",
                " Platelets help the blood clot?", " Dr. Smith agreed, and so did the 3.5 million readers."), sentences);
        assertTrue(SentenceChunker.looksLined(CODE.strip()));
        assertTrue(SentenceChunker.looksLined(POEM.strip()));
        assertFalse(SentenceChunker.looksLined(PROSE));
        List<String> lines = texts(new SentenceChunker(SentenceChunker.Mode.AUTO, 1, 200).chunk(tok, PROMPT, POEM));
        assertEquals(List.of(" Roses are red\n", "Violets are blue\n", "Sugar is sweet\n", "And so are you"), lines);
        // long sentences are cut to max tokens, short ones merged
        List<Chunk> bounded = new SentenceChunker(SentenceChunker.Mode.SENTENCES, 4, 6).chunk(tok, PROMPT, PROSE);
        for (int i = 0; i < bounded.size() - 1; i++) {
            int len = bounded.get(i).tokenEnd() - bounded.get(i).tokenStart();
            assertTrue(len >= 4 && len <= 6 + 4 - 1, bounded.get(i).toString());
        }
    }

    private static List<String> texts(List<Chunk> chunks) {
        List<String> out = new ArrayList<>();
        for (Chunk c : chunks) {
            out.add(c.text());
        }
        return out;
    }

    private static String chunkText(List<Chunk> chunks) {
        return String.join("", texts(chunks));
    }
}
