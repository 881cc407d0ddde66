package dev.amend.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the progress adapter writes to a stderr that is not a terminal, and to a terminal. */
class ProgressBarTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void aLogGetsOnePlainLinePerFinishedStage() {
        ProgressBar bar = new ProgressBar(false, err, false, Duration.ofHours(1));
        for (int i = 0; i <= 3; i++) {
            bar.progress("train mend (loss " + (4 - i) + ".000)", i, 3);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("\r"), text);
        assertFalse(text.contains("\u001b"), text);
        assertEquals(1, lines().size(), text);
        String line = lines().get(0);
        assertTrue(line.startsWith("train mend 100%"), line);
        assertTrue(line.contains("3/3"), line);
        assertTrue(line.endsWith("loss 1.000"), line);
    }

    @Test
    void aStageNestedInAnotherEndsFirstAndTheOuterKeepsItsBar() {
        ProgressBar bar = new ProgressBar(false, err, false, Duration.ofHours(1));
        bar.progress("edits", 0, 2);
        for (int edit = 0; edit < 2; edit++) {
            for (int i = 0; i <= 2; i++) {
                bar.progress("insertion", i, 2);
            }
            bar.progress("edits", edit + 1, 2);
        }
        bar.progress("edits", 2, 2);
        List<String> lines = lines();
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("insertion 100%") && lines.get(0).contains("2/2"), lines.get(0));
        assertTrue(lines.get(1).startsWith("insertion 100%"), lines.get(1));
        assertTrue(lines.get(2).startsWith("edits 100%") && lines.get(2).contains("2/2"), lines.get(2));
    }

    @Test
    void aLongStageWritesItsStateNowAndThen() throws InterruptedException {
        ProgressBar bar = new ProgressBar(false, err, false, Duration.ZERO);
        bar.progress("layer statistics", 1, 4);
        Thread.sleep(1500);
        bar.progress("layer statistics", 4, 4);
        List<String> lines = lines();
        assertTrue(lines.size() >= 2, lines.toString());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("layer statistics ")), lines.toString());
        assertTrue(lines.get(lines.size() - 1).startsWith("layer statistics 100%"), lines.toString());
    }

    @Test
    void aStageThatStartsOverGetsANewBar() {
        ProgressBar bar = new ProgressBar(false, err, false, Duration.ofHours(1));
        bar.progress("rome", 0, 2);
        bar.progress("rome", 1, 2);
        bar.progress("rome", 0, 2);
        bar.progress("rome", 2, 2);
        List<String> lines = lines();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("1/2"), lines.get(0));
        assertTrue(lines.get(1).contains("2/2"), lines.get(1));
    }

    @Test
    void aTerminalLineIsRedrawnInPlaceAndEndsWithANewline() {
        ProgressBar bar = new ProgressBar(false, err, true, ProgressBar.LOG_INTERVAL);
        bar.progress("tokenizer", 0, 1);
        bar.progress("tokenizer", 1, 1);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("\r") && text.endsWith(System.lineSeparator()), text);
        assertTrue(text.contains("1/1"), text);
    }

    @Test
    void quietWritesNothing() {
        ProgressBar bar = new ProgressBar(true, err, false, Duration.ZERO);
        bar.progress("training (loss 1.0)", 0, 2);
        bar.progress("training (loss 0.5)", 2, 2);
        assertEquals("", bytes.toString(StandardCharsets.UTF_8));
    }
}
